/**
 * Generates OpenAPI 3.1 paths and component schemas from route tables (api-route.ts) with zod 4's
 * `z.toJSONSchema`: request bodies and query strings as accepted (`io: 'input'`), responses as sent
 * (`io: 'output'`), path ids from core's id kinds. Nothing here is written per route, so the document
 * cannot say something the validation does not do. Must never document a route the table lacks.
 */
import { z } from 'zod';
import type { ApiRoute, Component, ErrorDoc, JsonObject, ResponseDoc } from './api-route';
import { idSchema } from './id-schema';
import { PROBLEM_CONTENT_TYPE } from './problem';

export interface ApiFragment {
  tag: JsonObject;
  paths: Record<string, Record<string, JsonObject>>;
  schemas: Record<string, JsonObject>;
}

export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  // Transforms and refinements are not representable; what they check is documented with `.meta()` beside them.
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  return rest;
}

/** One query parameter per property of a zod query object, in its order. */
export function queryParameters(schema: z.ZodType): JsonObject[] {
  const doc = jsonSchema(schema, 'input') as { properties?: Record<string, JsonObject>; required?: string[] };
  return Object.entries(doc.properties ?? {}).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return { name, in: 'query', required: doc.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: propertySchema };
  });
}

export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const jsonContent = (schema: JsonObject) => ({ 'application/json': { schema } });
export const BEARER_AUTH = [{ bearerAuth: [] }];

/** The paths and component schemas of one API's route table. */
export function openApiFragment(tag: JsonObject, routes: ReadonlyArray<ApiRoute<never>>): ApiFragment {
  const components = new ComponentSchemas();
  const paths: ApiFragment['paths'] = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    const method = route.method.toLowerCase();
    if (item[method]) throw new Error(`${route.method} ${route.path} is in the table twice.`);
    item[method] = operation(route, components);
  }
  return { tag, paths, schemas: components.documented() };
}

function operation(route: ApiRoute<never>, components: ComponentSchemas): JsonObject {
  const parameters = [
    ...Object.entries(route.params ?? {}).map(([name, kind]) => {
      const { description, ...schema } = jsonSchema(idSchema(kind), 'input');
      return { name, in: 'path', required: true, ...(description ? { description } : {}), schema };
    }),
    ...(route.query ? queryParameters(route.query) : []),
  ];
  const body = route.body;
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [...route.tags],
    security: route.public ? [] : BEARER_AUTH,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body
      ? {
          requestBody: {
            required: !body.safeParse(undefined).success,
            content: jsonContent(route.bodyComponent ? components.ref({ name: route.bodyComponent, schema: body }, 'input') : jsonSchema(body, 'input')),
          },
        }
      : {}),
    responses: Object.fromEntries(Object.entries(route.responses).map(([status, doc]) => [status, response(doc, components)])),
  };
}

function response(doc: ResponseDoc, components: ComponentSchemas): JsonObject {
  if (isError(doc)) {
    if (typeof doc === 'string') return { $ref: `#/components/responses/${doc}` };
    return { description: doc.problem, content: { [PROBLEM_CONTENT_TYPE]: { schema: schemaRef('Problem') } } };
  }
  const headers = Object.entries(doc.headers ?? {}).map(([name, description]) => [name, { schema: { type: 'string' }, description }]);
  const body = doc.body === undefined ? undefined : 'jsonSchema' in doc.body ? doc.body.jsonSchema : components.ref(doc.body, 'output');
  return {
    description: doc.description,
    ...(headers.length > 0 ? { headers: Object.fromEntries(headers) } : {}),
    ...(body ? { content: jsonContent(body) } : {}),
  };
}

function isError(doc: ResponseDoc): doc is ErrorDoc {
  return typeof doc === 'string' || 'problem' in doc;
}

/** Component schemas by name; one name, one zod schema (a second, different one is a bug in the tables). */
class ComponentSchemas {
  private readonly byName = new Map<string, { schema: z.ZodType; json: JsonObject }>();

  ref(component: Component, io: 'input' | 'output'): JsonObject {
    const known = this.byName.get(component.name);
    if (known && known.schema !== component.schema) throw new Error(`Two different schemas are named ${component.name}.`);
    if (!known) this.byName.set(component.name, { schema: component.schema, json: jsonSchema(component.schema, io) });
    return schemaRef(component.name);
  }

  documented(): Record<string, JsonObject> {
    return Object.fromEntries([...this.byName].map(([name, { json }]) => [name, json]));
  }
}

/** Merges objects whose keys must not collide (fragments of one document). */
export function mergeDistinct<T>(what: string, ...parts: ReadonlyArray<Record<string, T>>): Record<string, T> {
  const merged: Record<string, T> = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      if (key in merged) throw new Error(`${what} ${key} is defined twice.`);
      merged[key] = value;
    }
  }
  return merged;
}

