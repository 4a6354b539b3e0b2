/**
 * Checks AWS calls against a role's synthesized IAM policy: template values resolved to concrete names
 * and ARNs of a fake account (Ref, Fn::GetAtt, Fn::Join, pseudo parameters), then each call's action,
 * resource ARN and condition keys matched against the role's Allow statements with IAM's wildcard rules.
 * Unknown condition operators never match, so an unmodelled condition fails a call rather than passing it.
 *
 * Must never: allow a call no statement allows (the point of the check); it only models what the plane uses.
 */

export const FAKE_ACCOUNT = '123456789012';
export const FAKE_REGION = 'us-east-1';

type Json = unknown;
interface CfnResource {
  Type: string;
  Properties?: Record<string, Json>;
}
export type Resources = Record<string, CfnResource>;

/** What one logical id resolves to: its Ref and its attributes. */
export interface Resolved {
  ref: string;
  attrs: Record<string, string>;
}

export interface AwsCall {
  action: string;
  resource: string;
  /** Condition keys of the request, e.g. `dynamodb:LeadingKeys`, `s3:prefix`. */
  context: Record<string, string[]>;
}

/** Names and ARNs for the resources of a template; `names` pins the Ref of chosen logical ids. */
export function resolverFor(resources: Resources, names: Record<string, string>): (value: Json) => Json {
  const arn = (service: string, rest: string) => `arn:aws:${service}:${FAKE_REGION}:${FAKE_ACCOUNT}:${rest}`;
  const table = new Map<string, Resolved>();
  for (const [id, r] of Object.entries(resources)) {
    const name = names[id] ?? id.toLowerCase();
    switch (r.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        table.set(id, { ref: name, attrs: { Arn: arn('dynamodb', `table/${name}`) } });
        break;
      case 'AWS::S3::Bucket':
        table.set(id, { ref: name, attrs: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com` } });
        break;
      case 'AWS::Events::EventBus':
        table.set(id, { ref: name, attrs: { Arn: arn('events', `event-bus/${name}`), Name: name } });
        break;
      case 'AWS::SQS::Queue':
        table.set(id, { ref: names[id] ?? `https://sqs.${FAKE_REGION}.amazonaws.com/${FAKE_ACCOUNT}/${name}`, attrs: { Arn: arn('sqs', name), QueueName: name } });
        break;
      case 'AWS::Lambda::Function':
        table.set(id, { ref: name, attrs: { Arn: arn('lambda', `function:${name}`) } });
        break;
      case 'AWS::SecretsManager::Secret':
        table.set(id, { ref: arn('secretsmanager', `secret:${name}-AbCdEf`), attrs: {} });
        break;
      case 'AWS::KMS::Key':
        table.set(id, { ref: name, attrs: { Arn: arn('kms', `key/${name}`) } });
        break;
      case 'AWS::ECS::Cluster':
        table.set(id, { ref: name, attrs: { Arn: arn('ecs', `cluster/${name}`) } });
        break;
      case 'AWS::IAM::Role':
        table.set(id, { ref: name, attrs: { Arn: `arn:aws:iam::${FAKE_ACCOUNT}:role/${name}` } });
        break;
      default:
        table.set(id, { ref: name, attrs: { Arn: arn('unknown', name) } });
    }
  }
  const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': FAKE_REGION, 'AWS::AccountId': FAKE_ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com', 'AWS::StackName': 'Streamplane' };
  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, Json>;
    if ('Ref' in obj) {
      const id = obj.Ref as string;
      if (pseudo[id]) return pseudo[id];
      const r = table.get(id);
      if (!r) throw new Error(`cannot resolve Ref ${id}`);
      return r.ref;
    }
    if ('Fn::GetAtt' in obj) {
      const [id, attr] = obj['Fn::GetAtt'] as [string, string];
      const r = table.get(id);
      if (!r) throw new Error(`cannot resolve Fn::GetAtt ${id}.${attr}`);
      // Attributes no policy names (DNS names, ids): a placeholder host that resolves nowhere.
      return r.attrs[attr] ?? `${id.toLowerCase()}-${attr.toLowerCase().replace(/[^a-z0-9]/g, '')}.example.invalid`;
    }
    if ('Fn::Join' in obj) {
      const [sep, parts] = obj['Fn::Join'] as [string, Json[]];
      return (resolve(parts) as Json[]).join(sep);
    }
    if ('Fn::Select' in obj) {
      const [index, list] = obj['Fn::Select'] as [number, Json];
      return (resolve(list) as Json[])[index];
    }
    if ('Fn::Split' in obj) {
      const [sep, text] = obj['Fn::Split'] as [string, Json];
      return String(resolve(text)).split(sep);
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, resolve(v)]));
  };
  return resolve;
}

/** The statements of every inline policy attached to the role `roleId`, resolved. */
export function roleStatements(resources: Resources, roleId: string, resolve: (v: Json) => Json): Array<Record<string, Json>> {
  const out: Array<Record<string, Json>> = [];
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    const roles = (r.Properties?.Roles ?? []) as Array<{ Ref?: string }>;
    if (!roles.some((x) => x.Ref === roleId)) continue;
    const doc = r.Properties?.PolicyDocument as { Statement: Array<Record<string, Json>> };
    for (const s of doc.Statement) out.push(resolve(s) as Record<string, Json>);
  }
  return out;
}

/** IAM wildcards: `*` any run of characters, `?` one character. */
export function iamLike(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`, caseInsensitive ? 'i' : '');
  return re.test(value);
}

const list = (v: Json): string[] => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string]);

function conditionHolds(operator: string, key: string, expected: string[], context: Record<string, string[]>): boolean {
  const values = context[key];
  const ifExists = operator.endsWith('IfExists');
  const op = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const [quantifier, base] = op.includes(':') ? (op.split(':') as [string, string]) : [undefined, op];
  const one = (value: string): boolean => {
    switch (base) {
      case 'StringEquals':
      case 'ArnEquals':
        return expected.includes(value);
      case 'StringLike':
      case 'ArnLike':
        return expected.some((p) => iamLike(p, value));
      default:
        return false;
    }
  };
  if (!['StringEquals', 'StringLike', 'ArnEquals', 'ArnLike'].includes(base)) return false;
  if (quantifier === 'ForAllValues') return (values ?? []).every(one);
  if (quantifier === 'ForAnyValue') return (values ?? []).some(one);
  if (quantifier !== undefined) return false;
  if (values === undefined || values.length === 0) return ifExists;
  return values.some(one);
}

/** The first Allow statement that allows `call`, or undefined. */
export function allowingStatement(statements: ReadonlyArray<Record<string, Json>>, call: AwsCall): Record<string, Json> | undefined {
  return statements.find((s) => {
    if (s.Effect !== 'Allow' || s.NotAction !== undefined || s.NotResource !== undefined) return false;
    if (!list(s.Action).some((a) => iamLike(a, call.action, true))) return false;
    if (!list(s.Resource).some((r) => iamLike(r, call.resource))) return false;
    const conditions = (s.Condition ?? {}) as Record<string, Record<string, Json>>;
    return Object.entries(conditions).every(([operator, keys]) => Object.entries(keys).every(([key, expected]) => conditionHolds(operator, key, list(expected), call.context)));
  });
}
