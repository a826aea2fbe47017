import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { version } from '../../package.json';
import { buildOpenApiDocument } from '../../shared/api/openapi';
import { areas } from '../../shared/api/operations';
import { httpHandler } from '../commons/handler';

/** Built once, at cold start, from the registry of operations and the handlers' own schemas. */
const body = JSON.stringify(buildOpenApiDocument(areas, { version }));

/** GET /openapi.json: the API's OpenAPI 3.1 document (API Gateway HTTP APIs serve nothing static without a function). */
export const handler = httpHandler(
  async (): Promise<APIGatewayProxyResultV2> => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
    body,
  }),
);
