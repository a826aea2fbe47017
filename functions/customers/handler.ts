import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import { env } from '../../infra/topology';
import { requiredEnv } from '../../shared/env';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { type Caller, callerOf, requireGroup } from '../../shared/http/caller';
import { requireIfMatch } from '../../shared/http/conditional';
import { jsonRequestBody, jsonResponse, problems } from '../../shared/http/problem';
import { parseCustomerId } from '../../shared/customers/customer';
import {
  customerEditors,
  customerMergers,
  customerReaders,
  etagOf,
  identityView,
  parseCustomerPatch,
  parseIdentityRequest,
  parseMergeRequest,
  privacyOfficers,
  profileView,
} from '../../shared/customers/customer-api';
import {
  addIdentity,
  type CustomersDeps,
  eraseCustomer,
  exportCustomer,
  handleFromPath,
  mergeCustomers,
  removeIdentity,
  searchCustomers,
  updateCustomer,
  viewCustomer,
} from '../../shared/customers/customers-service';
import { parseCustomerSearch } from '../../shared/customers/search';
import { runtimeConfig } from '../../shared/runtime';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbCustomerStore } from '../../shared/store/dynamodb-customer-store';
import { DynamoDbTicketChanges } from '../../shared/store/dynamodb-ticket-changes';
import { maySee } from '../../shared/tickets/access';
import { httpHandler } from '../commons/handler';
import { logger } from '../commons/powertools';

const db = documentClient();
const table = requiredEnv(env.table);
const config = runtimeConfig();
const deps: CustomersDeps = {
  store: new DynamoDbCustomerStore(db, table),
  tickets: new DynamoDbTicketChanges(db, table),
  publisher: new EventBridgePublisher(new EventBridgeClient({}), requiredEnv(env.eventBus)),
  defaultPhoneRegion: config.defaultPhoneRegion,
  now: () => new Date(),
};

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;
const idOf = (event: Event) => parseCustomerId(event.pathParameters?.id);

/** Logs carry ids and counts only: never names, handles or notes. */
const routes: Record<string, (event: Event, caller: Caller) => Promise<APIGatewayProxyResultV2>> = {
  /** The 360° view: profile, identities, tickets across channels, satisfaction scores. */
  'GET /customers/{id}': async (event, caller) => {
    requireGroup(caller, customerReaders);
    // An agent sees the tickets they may open (workspace.agentsSee), as everywhere else.
    const view = await viewCustomer(deps, idOf(event), (ticket) => maySee(ticket, caller, config));
    logger.info('customer read', { customerId: view.customerId, identities: view.identities.length, tickets: view.tickets.length });
    return jsonResponse(200, view, { etag: etagOf(view) });
  },

  /** Find customers by email, phone, channel handle or name prefix. */
  'GET /customers': async (event, caller) => {
    requireGroup(caller, customerReaders);
    const search = parseCustomerSearch(event.queryStringParameters, deps.defaultPhoneRegion);
    const result = await searchCustomers(deps, search);
    logger.info('customers searched', { by: result.query.kind, found: result.customers.length });
    return jsonResponse(200, result);
  },

  'PATCH /customers/{id}': async (event, caller) => {
    requireGroup(caller, customerEditors);
    const customerId = idOf(event);
    const patch = parseCustomerPatch(jsonRequestBody(event));
    const ifMatch = requireIfMatch(event.headers?.['if-match'], 'customer', `GET /customers/${customerId}`);
    const customer = await updateCustomer(deps, customerId, patch, ifMatch, caller);
    logger.info('customer updated', { customerId, version: customer.version ?? 1, by: caller.sub });
    return jsonResponse(200, profileView(customer), { etag: etagOf(profileView(customer)) });
  },

  'POST /customers/{id}/identities': async (event, caller) => {
    requireGroup(caller, customerEditors);
    const customerId = idOf(event);
    const request = parseIdentityRequest(jsonRequestBody(event));
    const { customer, handle, created, verified } = await addIdentity(deps, customerId, request, caller);
    logger.info(created ? 'identity added' : 'identity already held', { customerId, kind: handle.kind, by: caller.sub });
    const identity = identityView({ ...handle, customerId, verified });
    return jsonResponse(created ? 201 : 200, { identity, customer: profileView(customer) }, { etag: etagOf(profileView(customer)) });
  },

  'DELETE /customers/{id}/identities/{handle}': async (event, caller) => {
    requireGroup(caller, customerEditors);
    const customerId = idOf(event);
    const handle = handleFromPath(event.pathParameters?.handle, deps.defaultPhoneRegion);
    const customer = await removeIdentity(deps, customerId, handle, caller);
    logger.info('identity removed', { customerId, kind: handle.kind, by: caller.sub });
    return jsonResponse(200, profileView(customer), { etag: etagOf(profileView(customer)) });
  },

  'POST /customers/{id}/merge': async (event, caller) => {
    requireGroup(caller, customerMergers);
    const targetId = idOf(event);
    const { sourceCustomerId } = parseMergeRequest(jsonRequestBody(event));
    const result = await mergeCustomers(deps, targetId, sourceCustomerId, caller);
    logger.info('customers merged', { customerId: targetId, sourceCustomerId, identitiesMoved: result.identitiesMoved, ticketsMoved: result.ticketsMoved, by: caller.sub });
    return jsonResponse(200, result, { etag: etagOf(result) });
  },

  /** Erasure: the right to be forgotten. */
  'DELETE /customers/{id}': async (event, caller) => {
    requireGroup(caller, privacyOfficers);
    const result = await eraseCustomer(deps, idOf(event), caller);
    logger.info('customer erased', { customerId: result.customerId, tickets: result.tickets, itemsErased: result.itemsErased, by: caller.sub });
    return jsonResponse(200, result);
  },

  /** The data-subject access request: everything held, as one JSON document to hand over. */
  'GET /customers/{id}/export': async (event, caller) => {
    requireGroup(caller, privacyOfficers);
    const customerId = idOf(event);
    const document = await exportCustomer(deps, customerId);
    logger.info('customer exported', { customerId, tickets: document.tickets.length, by: caller.sub });
    return jsonResponse(200, document, { 'content-disposition': `attachment; filename="${customerId}.json"`, 'cache-control': 'no-store' });
  },
};

/** The customer API: one function, chosen by the route. */
export const handler = httpHandler(async (event: Event) => {
  const route = routes[event.routeKey];
  if (!route) throw problems.notFound(`No route ${event.routeKey}.`);
  return route(event, callerOf(event));
});
