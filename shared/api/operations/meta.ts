import * as z from 'zod';
import type { Operation } from '../operation';
import { json } from './common';

/** The API describing itself. */

export const openApiDocumentSchema = z.looseObject({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.looseObject({})),
  components: z.looseObject({}),
});

export const metaOperations: readonly Operation[] = [
  {
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document: the OpenAPI 3.1 description of the whole API',
    description: 'Generated from the same zod schemas the handlers validate requests with.',
    access: { kind: 'public' },
    responses: { 200: { description: 'The OpenAPI document.', headers: { 'Cache-Control': 'Clients may keep it for five minutes.' }, content: json(openApiDocumentSchema) } },
    problems: [],
  },
];
