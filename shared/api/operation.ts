import type * as z from 'zod';
import type { RouteSpec, UserGroup } from '../../infra/topology';
import type { ProblemSlug } from './problems';

/**
 * One documented route of the HTTP API: what shared/api/openapi.ts turns into its OpenAPI
 * operation. Schemas are the zod schemas the handler validates with (requests, read as their
 * input) and the ones that describe what it answers (responses, read as their output).
 */

/** Who may call it. */
export type Access =
  /** A Cognito token (`Authorization: Bearer`) of a user in one of these groups. */
  | { readonly kind: 'jwt'; readonly roles: readonly UserGroup[] }
  /** A channel provider, who cannot sign in: the request carries the provider's signature instead. */
  | { readonly kind: 'channel-signed' }
  /** Anyone holding the link: the token in the path is the credential. */
  | { readonly kind: 'link-token' }
  /** Anyone. */
  | { readonly kind: 'public' };

/** A request header, or a query parameter documented without a validator of its own (a provider's). */
export interface ParameterSpec {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  readonly schema: z.ZodType;
}

export interface MediaSpec {
  /** Requests: the handler's validator; responses: the body's schema. Absent: any content (HTML, text). */
  readonly schema?: z.ZodType;
  /** For requests, required: it must pass the validator (a test checks). */
  readonly example?: unknown;
}

export interface RequestBodySpec {
  readonly description?: string;
  /** Media type → what it carries. */
  readonly content: Readonly<Record<string, MediaSpec>>;
}

export interface ResponseSpec {
  readonly description: string;
  readonly content?: Readonly<Record<string, MediaSpec>>;
  /** Response header → its description. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Operation {
  readonly method: RouteSpec['method'];
  /** API Gateway syntax, as infra/topology.ts `routes` has it: `{name}` for a path parameter. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly access: Access;
  /** Each `{name}` of the path, with its schema. */
  readonly pathParameters?: Readonly<Record<string, { readonly schema: z.ZodType; readonly description: string }>>;
  /** The query's validator, a zod object: each of its keys is one query parameter. */
  readonly query?: z.ZodObject;
  /** What a query parameter means, for those whose schema does not say (ranges a refinement checks, defaults). */
  readonly queryDescriptions?: Readonly<Record<string, string>>;
  /** Query parameters the route reads without a validator of its own (a provider's handshake). */
  readonly otherQueryParameters?: readonly ParameterSpec[];
  readonly headers?: readonly ParameterSpec[];
  readonly requestBody?: RequestBodySpec;
  /** Successful answers by status. */
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /**
   * The problem types it answers with besides those every operation of its kind has (401, 403
   * and 500 for signed-in routes, 500 for all).
   */
  readonly problems: readonly ProblemSlug[];
}
