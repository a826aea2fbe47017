import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { problemResponses } from './http';
import { logger, metrics } from './powertools';

/** Flushes the invocation's metrics, if it recorded any (single metrics flush themselves). */
const flushMetrics: MiddlewareObj = {
  after: () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  },
  onError: () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  },
};

/** The house middleware for every function: logger context, metrics flushed per invocation. */
export function withPowertools<E, R>(fn: (event: E, context: Context) => Promise<R>) {
  return middy(fn).use(injectLambdaContext(logger, { resetKeys: true })).use(flushMetrics);
}

/** An HTTP API route: the house middleware, and problem documents for every rejection. */
export function httpHandler<E extends APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer>(
  fn: (event: E, context: Context) => Promise<APIGatewayProxyResultV2>,
) {
  return withPowertools(fn).use(problemResponses());
}
