/**
 * Acknowledging cdk-nag findings that name a resource. cdk-nag 3 identifies each wildcard finding by the
 * flattened resource (`AwsSolutions-IAM5[Resource::<Bucket.Arn>/live/*]`) and has no prefix matching, so
 * the id is computed here from the very token that was granted, with cdk-nag's own flattening: an
 * acknowledgment then covers exactly that resource, and a new wildcard elsewhere still fails the synth.
 *
 * Must never: acknowledge a rule without naming the resource, or without a reason that says why.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

/** The id cdk-nag gives an IAM5 finding on `resource` (a string that may hold tokens of `scope`'s stack). */
export function wildcardResourceFindingId(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resource))}]`;
}

/** Acknowledges wildcard findings for exactly these resources on `scope` (a role or its policy) and below. */
export function acknowledgeWildcardResources(scope: IConstruct, resources: ReadonlyArray<string>, reason: string): void {
  if (reason.trim().length < 20) throw new Error('acknowledgeWildcardResources: give a specific reason (at least a sentence).');
  for (const resource of resources) {
    Validations.of(scope).acknowledge({ id: wildcardResourceFindingId(scope, resource), reason });
  }
}
