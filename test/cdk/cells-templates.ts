/**
 * Reading a multi-cell synth across its templates: cell 1 lives in the plane's stack, cells 2… in nested
 * stacks whose references to the plane are parameters and whose values the plane reads are outputs. These
 * helpers find a construct's resource in whichever template holds it and see through those parameters and
 * outputs, so the cell tests assert on what CloudFormation will actually wire together.
 */
import { Stack, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { stackTemplates, type StackTemplate, type SynthResult } from './support';

type Resource = StackTemplate['template']['Resources'][string];

export interface CellTemplates {
  all: StackTemplate[];
  /** The template holding `construct`'s resource. */
  templateOf(construct: IConstruct): StackTemplate;
  /** The logical id of `construct`'s default child in its own template. */
  idOf(construct: IConstruct): string;
  resourceOf(construct: IConstruct): Resource;
  /** Every resource of `type` across all templates, with the template it is in. */
  ofType(type: string): Array<{ logicalId: string; resource: Resource; in: StackTemplate }>;
  /** A value of a nested template expressed in the plane's terms (its parameters replaced by what the plane passes). */
  inPlane(value: unknown, from: StackTemplate): unknown;
  /** A value of the plane's template with nested stacks' outputs replaced by their definitions (as `{ stack, value }`). */
  throughOutputs(value: unknown): unknown;
}

export function cellTemplates(synth: SynthResult): CellTemplates {
  const all = stackTemplates(synth);
  const plane = all[0] as StackTemplate;
  const templateOf = (construct: IConstruct) => {
    const found = all.find((t) => t.stack === Stack.of(construct));
    if (!found) throw new Error(`no template for ${construct.node.path}`);
    return found;
  };
  const idOf = (construct: IConstruct) => Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
  const nestedResourceId = (t: StackTemplate) => {
    const nested = t.stack as Stack & { nestedStackResource?: CfnElement };
    return nested.nestedStackResource ? plane.stack.getLogicalId(nested.nestedStackResource) : undefined;
  };
  const inPlane = (value: unknown, from: StackTemplate): unknown => {
    if (from === plane) return value;
    const resourceId = nestedResourceId(from);
    const parameters = (resourceId ? plane.template.Resources[resourceId]?.Properties.Parameters : undefined) as Record<string, unknown> | undefined;
    return JSON.parse(JSON.stringify(value), (_k, v: unknown) => {
      if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { Ref?: unknown }).Ref === 'string') {
        const ref = (v as { Ref: string }).Ref;
        if (parameters && ref in parameters) return parameters[ref];
      }
      return v;
    });
  };
  const throughOutputs = (value: unknown): unknown =>
    JSON.parse(JSON.stringify(value), (_k, v: unknown) => {
      const getAtt = v && typeof v === 'object' && !Array.isArray(v) ? (v as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'] : undefined;
      if (getAtt && getAtt[1].startsWith('Outputs.')) {
        const nested = all.find((t) => nestedResourceId(t) === getAtt[0]);
        const output = nested?.template.Outputs?.[getAtt[1].slice('Outputs.'.length)] as { Value: unknown } | undefined;
        if (nested && output) return { stack: nested.stack.node.id, value: output.Value };
      }
      return v;
    });
  return {
    all,
    templateOf,
    idOf,
    resourceOf: (construct) => {
      const resource = templateOf(construct).template.Resources[idOf(construct)];
      if (!resource) throw new Error(`no resource for ${construct.node.path}`);
      return resource;
    },
    ofType: (type) => all.flatMap((t) => Object.entries(t.template.Resources).filter(([, r]) => r.Type === type).map(([logicalId, resource]) => ({ logicalId, resource, in: t }))),
    inPlane,
    throughOutputs,
  };
}
