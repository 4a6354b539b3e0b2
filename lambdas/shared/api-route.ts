/**
 * One API route as data: method, path, the zod schemas of what it accepts, what it answers, and the use
 * case it calls. The router serves these tables and the OpenAPI generator documents them, so the
 * document is the validation. Must never hand a route's `handle` input that its schemas did not accept:
 * path ids, then the query, then the body are checked here, in that order, before any store call.
 */
import type { z } from 'zod';
import { InvalidIdError } from '../../core/errors';
import { isId, type IdKind } from '../../core/ids';
import type { HttpMethod, HttpResult, JsonHttpEvent } from './http-types';
import { parseInput } from './validate';

export type JsonObject = Record<string, unknown>;

/** The control API document's shared problem responses (`#/components/responses/<name>`). */
export type SharedProblem = 'BadRequest' | 'Unauthorized' | 'NotFound' | 'Conflict' | 'PayloadTooLarge' | 'UnsupportedMediaType' | 'InternalError';

/** A zod schema documented under its name in `#/components/schemas`. */
export interface Component {
  readonly name: string;
  readonly schema: z.ZodType;
}

export const component = (name: string, schema: z.ZodType): Component => ({ name, schema });

export interface SuccessDoc {
  description: string;
  /** A response schema of this API, or raw JSON Schema for bodies described elsewhere (the event catalog). */
  body?: Component | { jsonSchema: JsonObject };
  /** Response header → its description (string valued). */
  headers?: Readonly<Record<string, string>>;
}

/** An error answer: a shared problem response, or this route's own wording over the `Problem` schema. */
export type ErrorDoc = SharedProblem | { problem: string };

export type ResponseDoc = SuccessDoc | ErrorDoc;

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P extends string, Q, B> {
  params: Readonly<Record<P, string>>;
  query: Q;
  body: B;
  event: JsonHttpEvent;
}

interface RouteDescription<P extends string, Q, B> {
  method: HttpMethod;
  /** e.g. `/v1/streams/{id}/reset-key`; every `{param}` is named in `params`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: ReadonlyArray<string>;
  /** Served without a bearer token; only static paths may be public. */
  public?: boolean;
  /** Path parameter → the kind of id it must be (core's `isId` decides). */
  params?: Readonly<Record<P, IdKind>>;
  /** Query string schema; without one the query is ignored. */
  query?: Q;
  /** Body schema; without one the body is ignored. Optional bodies are documented as not required. */
  body?: B;
  /** Documents the body as `#/components/schemas/<bodyComponent>` instead of inline. */
  bodyComponent?: string;
  /** Status → what is answered. */
  responses: Readonly<Record<string, ResponseDoc>>;
}

export interface RouteSpec<Deps, P extends string, Q extends z.ZodType | undefined, B extends z.ZodType | undefined> extends RouteDescription<P, Q, B> {
  handle(input: RouteInput<P, Parsed<Q>, Parsed<B>>, deps: Deps): Promise<HttpResult>;
}

/** A route with its input types erased: what the router serves and the generator documents. */
export interface ApiRoute<Deps> extends RouteDescription<string, z.ZodType | undefined, z.ZodType | undefined> {
  serve(event: JsonHttpEvent, deps: Deps): Promise<HttpResult>;
}

export function defineRoute<Deps, P extends string = never, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<Deps, P, Q, B>,
): ApiRoute<Deps> {
  const { handle, ...description } = spec;
  const declared = [...spec.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
  const named = Object.keys(spec.params ?? {}).sort();
  if (declared.join() !== named.join()) throw new Error(`${spec.method} ${spec.path}: params must name exactly the path parameters (${declared.join(', ')}).`);
  if (spec.public && declared.length > 0) throw new Error(`${spec.method} ${spec.path}: only static paths may be public.`);
  return {
    ...description,
    serve: (event, deps) => {
      const params: Record<string, string> = {};
      for (const [name, kind] of Object.entries<IdKind>(spec.params ?? {})) {
        const value = event.pathParameters?.[name];
        if (!isId(kind, value)) throw new InvalidIdError(kind);
        params[name] = value;
      }
      const query = spec.query ? parseInput(spec.query, event.queryStringParameters ?? {}, 'query') : undefined;
      const body = spec.body ? parseInput(spec.body, event.jsonBody, 'body') : undefined;
      // The casts only restore the types the schemas above just proved.
      return handle({ params: params as Record<P, string>, query: query as Parsed<Q>, body: body as Parsed<B>, event }, deps);
    },
  };
}
