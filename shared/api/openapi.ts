import * as z from 'zod';
import type { Access, Operation, ParameterSpec, ResponseSpec } from './operation';
import { type ProblemSlug, problemSchema, problemTypes, problemTypeUri } from './problems';

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the registry of operations
 * (shared/api/operations) and the zod schemas the handlers validate with. OpenAPI 3.1 schemas are
 * JSON Schema 2020-12, which zod 4 writes itself (`z.toJSONSchema`).
 */

export type JsonSchema = Record<string, unknown>;

/** One area of the API: a tag in the document, and the file its operations are declared in. */
export interface Area {
  readonly tag: string;
  readonly description: string;
  /** Where this area's operations are declared (repository path), for people adding one. */
  readonly file: string;
  readonly operations: readonly Operation[];
}

/**
 * A zod schema as JSON Schema 2020-12: a request's as the client sends it (`input`: before
 * transforms and defaults), a response's as the handler answers (`output`). Refinements have no
 * JSON Schema form and are left out (descriptions say what they check); a type with no JSON form
 * at all is an error, so no schema silently becomes "anything".
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'throw', reused: 'inline', cycles: 'throw' }) as JsonSchema;
  return rest;
}

const PROBLEM_JSON = 'application/problem+json';
const problemRef = { $ref: '#/components/schemas/Problem' };

/** Deployed, API Gateway's JWT authorizer refuses a missing or invalid token itself, before the function. */
const gatewayUnauthorized = z.object({ message: z.literal('Unauthorized') });

const defaultProblems: Record<Access['kind'], readonly ProblemSlug[]> = {
  jwt: ['unauthorized', 'forbidden', 'internal'],
  'channel-signed': ['internal'],
  'link-token': ['internal'],
  public: ['internal'],
};

export function problemsOf(operation: Operation): ProblemSlug[] {
  return [...new Set([...operation.problems, ...defaultProblems[operation.access.kind]])].sort(
    (a, b) => problemTypes[a].status - problemTypes[b].status || (a < b ? -1 : 1),
  );
}

const accessText = (access: Access): string => {
  switch (access.kind) {
    case 'jwt':
      return `Signed in (a Cognito token as \`Authorization: Bearer <token>\`) as: ${access.roles.join(', ')}.`;
    case 'channel-signed':
      return "No sign-in: the channel provider signs each request, and the webhook verifies the channel's signature with its secret before anything is queued (README, \"Channels\").";
    case 'link-token':
      return "No sign-in: the satisfaction link's token in the path is the credential.";
    case 'public':
      return 'No sign-in: open to anyone.';
  }
};

function parameter(spec: ParameterSpec, location: 'query' | 'header') {
  return { name: spec.name, in: location, required: spec.required ?? false, description: spec.description, schema: jsonSchemaOf(spec.schema, 'input') };
}

/** The query validator's object schema, one OpenAPI parameter per property. */
export function queryParameters(query: z.ZodObject, descriptions: Readonly<Record<string, string>> = {}) {
  const object = jsonSchemaOf(query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  const unknown = Object.keys(descriptions).filter((name) => !object.properties?.[name]);
  if (unknown.length) throw new Error(`queryDescriptions name parameters the query does not take: ${unknown.join(', ')}`);
  return Object.entries(object.properties ?? {}).map(([name, schema]) => {
    const { description = descriptions[name], ...rest } = schema as JsonSchema & { description?: string };
    return { name, in: 'query' as const, required: (object.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest };
  });
}

function content(media: ResponseSpec['content'], io: 'input' | 'output') {
  return Object.fromEntries(
    Object.entries(media ?? {}).map(([type, m]) => [type, { schema: m.schema ? jsonSchemaOf(m.schema, io) : {}, ...(m.example !== undefined ? { example: m.example } : {}) }]),
  );
}

function problemResponses(slugs: readonly ProblemSlug[], access: Access) {
  const byStatus = new Map<number, ProblemSlug[]>();
  for (const slug of slugs) byStatus.set(problemTypes[slug].status, [...(byStatus.get(problemTypes[slug].status) ?? []), slug]);
  return Object.fromEntries(
    [...byStatus].map(([status, types]) => {
      const schema = { allOf: [problemRef, { properties: { type: { enum: types.map(problemTypeUri) } } }] };
      const description = types.map((t) => `\`${problemTypeUri(t)}\`: ${problemTypes[t].when}.`).join(' ');
      const media: Record<string, unknown> = { [PROBLEM_JSON]: { schema } };
      if (status === 401 && access.kind === 'jwt') media['application/json'] = { schema: jsonSchemaOf(gatewayUnauthorized, 'output') };
      const gatewayNote = status === 401 && access.kind === 'jwt' ? " Deployed, API Gateway's JWT authorizer answers a missing or invalid token itself, with `{\"message\":\"Unauthorized\"}` (application/json)." : '';
      return [String(status), { description: `${description}${gatewayNote}`, content: media }];
    }),
  );
}

function responseOf(spec: ResponseSpec) {
  return {
    description: spec.description,
    ...(spec.headers ? { headers: Object.fromEntries(Object.entries(spec.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }])) } : {}),
    ...(spec.content ? { content: content(spec.content, 'output') } : {}),
  };
}

/** `GET /tickets/{id}`'s path parameters in the order the path names them. */
export const pathParameterNames = (path: string): string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);

export function operationObject(operation: Operation, tag: string) {
  const names = pathParameterNames(operation.path);
  const declared = Object.keys(operation.pathParameters ?? {});
  if ([...names].sort().join() !== [...declared].sort().join()) {
    throw new Error(`${operation.method} ${operation.path}: declare exactly its path parameters (${names.join(', ') || 'none'}), not ${declared.join(', ') || 'none'}`);
  }
  const parameters = [
    ...names.map((name) => ({ name, in: 'path', required: true, description: operation.pathParameters![name].description, schema: jsonSchemaOf(operation.pathParameters![name].schema, 'input') })),
    ...(operation.query ? queryParameters(operation.query, operation.queryDescriptions) : []),
    ...(operation.otherQueryParameters ?? []).map((p) => parameter(p, 'query')),
    ...(operation.headers ?? []).map((p) => parameter(p, 'header')),
  ];
  const overlap = Object.keys(operation.responses).filter((s) => problemsOf(operation).some((p) => String(problemTypes[p].status) === s));
  if (overlap.length) throw new Error(`${operation.method} ${operation.path}: status ${overlap.join(', ')} is both a success and a problem`);
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    description: [operation.description, `**Who:** ${accessText(operation.access)}`].filter(Boolean).join('\n\n'),
    tags: [tag],
    security: operation.access.kind === 'jwt' ? [{ bearerAuth: [] }] : [],
    'x-switchboard-access': operation.access,
    ...(parameters.length ? { parameters } : {}),
    ...(operation.requestBody
      ? { requestBody: { required: true, ...(operation.requestBody.description ? { description: operation.requestBody.description } : {}), content: content(operation.requestBody.content, 'input') } }
      : {}),
    responses: {
      ...Object.fromEntries(Object.entries(operation.responses).map(([status, spec]) => [status, responseOf(spec)])),
      ...problemResponses(problemsOf(operation), operation.access),
    },
  };
}

export interface DocumentInfo {
  readonly version: string;
}

/** The whole document: every area's operations under their paths, the Problem schema and the bearer scheme. */
export function buildOpenApiDocument(areas: readonly Area[], info: DocumentInfo) {
  const paths: Record<string, Record<string, unknown>> = {};
  const ids = new Set<string>();
  for (const area of areas) {
    for (const operation of area.operations) {
      const method = operation.method.toLowerCase();
      if (paths[operation.path]?.[method]) throw new Error(`${operation.method} ${operation.path} is documented twice`);
      if (ids.has(operation.operationId)) throw new Error(`operationId ${operation.operationId} is used twice`);
      ids.add(operation.operationId);
      paths[operation.path] = { ...paths[operation.path], [method]: operationObject(operation, area.tag) };
    }
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'Switchboard API',
      version: info.version,
      summary: 'Omnichannel customer-service ticketing in your own AWS account: channel webhooks and the agent API.',
      description:
        'Agents sign in with Cognito (groups agent, supervisor, admin) and send the token as `Authorization: Bearer <token>`. ' +
        'Channel providers sign their webhooks instead, and customers answer satisfaction requests by a link. ' +
        'Every rejection is an `application/problem+json` document (RFC 9457) whose `type` is a stable URN, `urn:switchboard:problem:<slug>`; ' +
        'the README\'s "Errors" table explains each. Resources with a `version` give it as a strong `ETag`; writes that must not lose a change made meanwhile take it back in `If-Match`.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    tags: areas.map((a) => ({ name: a.tag, description: a.description })),
    paths,
    components: {
      schemas: { Problem: jsonSchemaOf(problemSchema, 'output') },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            "A Cognito user pool token (the stack's `UserPoolId`, `UserPoolClientId` outputs) whose `cognito:groups` claim holds the caller's roles. Locally, `npm run token -- --role agent --sub NAME` makes one.",
        },
      },
    },
  };
}
export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
