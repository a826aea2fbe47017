import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { HttpProblem, problemResponse, problems } from '../../shared/http/problem';
import type { FunctionName, RouteSpec } from '../topology';
import { verifyDevToken } from './dev-tokens';
import { lambdaContext } from './lambda-context';

/**
 * API Gateway in local mode: the routes of topology.ts, each turned into the HTTP API v2 event its
 * function receives when deployed, JWT routes checked the way the Cognito authorizer checks them.
 */

export type HttpFunction = (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<APIGatewayProxyResultV2>;

/** HTTP API's own payload limit; each function applies its own, smaller one. */
const GATEWAY_MAX_BODY = 10 * 1024 * 1024;

export interface LocalRoute extends RouteSpec {
  readonly pattern: RegExp;
  readonly params: string[];
}

export function compileRoute(route: RouteSpec): LocalRoute {
  const params: string[] = [];
  const source = route.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { ...route, pattern: new RegExp(`^${source}$`), params };
}

export interface ExtraRequest {
  readonly headers: Record<string, string | undefined>;
  readonly url: string;
  readBody(): Promise<Buffer>;
}

export interface LocalHttpOptions {
  readonly routes: readonly RouteSpec[];
  readonly handlers: Record<FunctionName, HttpFunction>;
  readonly signingKey: Uint8Array;
  /** Extra local-only routes (health, dev views, stand-ins for direct invocations), answered before the API routes. */
  readonly extras: (method: string, path: string, request: ExtraRequest) => Promise<{ status: number; body: unknown } | undefined>;
}

export function createLocalHttpServer(options: LocalHttpOptions): Server {
  const routes = options.routes.map(compileRoute);
  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, error instanceof HttpProblem ? problemResponse(error) : problemResponse(problems.internal()));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = parseUrl(req.url);
    const method = req.method ?? 'GET';
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
    const extra = await options.extras(method, url.pathname, { headers, url: `http://${req.headers.host ?? 'localhost'}${url.pathname}${url.search}`, readBody: () => readBody(req) });
    if (extra) return send(res, { statusCode: extra.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(extra.body) });

    const match = routes.map((r) => ({ r, m: r.pattern.exec(url.pathname) })).find(({ r, m }) => m && r.method === method);
    if (!match) {
      const pathKnown = routes.some((r) => r.pattern.test(url.pathname));
      throw pathKnown
        ? new HttpProblem(405, 'method-not-allowed', 'Method not allowed', `${method} is not served on ${url.pathname}.`)
        : problems.notFound(`No route ${method} ${url.pathname}.`);
    }
    const body = await readBody(req);
    const pathParameters = Object.fromEntries(match.r.params.map((p, i) => [p, decodePathPart(match.m![i + 1])]));
    const event = gatewayEvent(req, url, method, match.r, pathParameters, body);
    if (match.r.auth === 'jwt') {
      const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const claims = token ? await verifyDevToken(options.signingKey, token) : undefined;
      if (!claims) throw problems.unauthorized('Send a token as "Authorization: Bearer <token>"; get one with `npm run token -- --role agent --sub NAME`.');
      (event.requestContext as unknown as { authorizer: unknown }).authorizer = { jwt: { claims, scopes: null } };
    }
    send(res, await options.handlers[match.r.function](event, lambdaContext(match.r.function)));
  }
}

function parseUrl(raw: string | undefined): URL {
  try {
    return new URL(raw ?? '/', 'http://localhost');
  } catch {
    throw problems.badRequest('The request URL is not valid.');
  }
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw problems.badRequest('The path is not validly percent-encoded.');
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > GATEWAY_MAX_BODY) throw problems.tooLarge(GATEWAY_MAX_BODY);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function gatewayEvent(req: IncomingMessage, url: URL, method: string, route: LocalRoute, pathParameters: Record<string, string>, body: Buffer): APIGatewayProxyEventV2 {
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
  // API Gateway tells functions the scheme the client used; here it is plain HTTP.
  headers['x-forwarded-proto'] ??= 'http';
  const query = Object.fromEntries(url.searchParams.entries());
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    // Binary-safe, as API Gateway does for bodies it cannot treat as text.
    ...(body.length ? { body: body.toString('base64'), isBase64Encoded: true } : { isBase64Encoded: false }),
  };
}

function send(res: ServerResponse, result: APIGatewayProxyResultV2) {
  const r = typeof result === 'string' ? { statusCode: 200, body: result } : result;
  res.writeHead(r.statusCode ?? 200, (r.headers ?? {}) as Record<string, string>);
  res.end(r.body ?? '');
}
