/**
 * The KMS key simulcast stream keys are envelope-encrypted under (adapters/kms-key-cipher.ts): yearly
 * rotation on, and grants by intent, each limited to this plane's encryption context
 * (`streamplane = simulcast-key`): the simulcast API may only generate data keys (encrypt), the ingest
 * may only decrypt them. The key policy is CDK's default (the account administers the key; use is
 * granted only through these IAM statements).
 *
 * Must never: grant kms:Decrypt to the API, or any use of the key without the encryption context condition.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface SimulcastKeysProps {
  /** @default RemovalPolicy.RETAIN (ciphertexts in the table are useless without it) */
  readonly removalPolicy?: RemovalPolicy;
}

const CONTEXT_CONDITION = { StringEquals: { 'kms:EncryptionContext:streamplane': 'simulcast-key' } };

export class SimulcastKeys extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: SimulcastKeysProps = {}) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Streamplane: envelope encryption of simulcast target stream keys',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  get keyArn(): string {
    return this.key.keyArn;
  }

  /** Encrypt new keys: GenerateDataKey only, in this plane's encryption context. */
  grantEncryptKeys(grantee: iam.IGrantable): iam.Grant {
    return this.grantWithContext(grantee, 'kms:GenerateDataKey');
  }

  /** Decrypt stored keys (the relays): Decrypt only, in this plane's encryption context. */
  grantDecryptKeys(grantee: iam.IGrantable): iam.Grant {
    return this.grantWithContext(grantee, 'kms:Decrypt');
  }

  private grantWithContext(grantee: iam.IGrantable, action: string): iam.Grant {
    const grant = this.key.grant(grantee, action);
    for (const statement of [grant.principalStatement, grant.resourceStatement]) statement?.addConditions(CONTEXT_CONDITION);
    return grant;
  }
}
