import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { problemResponses } from './http';
import { logger, metrics, tracer } from './powertools';

/** The house middleware for every function: tracing, logger context, metrics flushed per invocation. */
export function withPowertools<E, R>(fn: (event: E, context: Context) => Promise<R>) {
  return middy(fn)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

/** An HTTP API route: the house middleware, and problem documents for every rejection. */
export function httpHandler<E extends APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer>(
  fn: (event: E, context: Context) => Promise<APIGatewayProxyResultV2>,
) {
  return withPowertools(fn).use(problemResponses());
}
