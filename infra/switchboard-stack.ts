import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { SwitchboardConfig } from '../shared/config';
import { Api } from './constructs/api';
import { EventBus } from './constructs/event-bus';
import { SwitchboardFunction } from './constructs/function';
import { Channels } from './constructs/channels';
import { Queues } from './constructs/queues';
import { Observability } from './constructs/observability';
import { TicketsStore } from './constructs/tickets-store';
import { TriageAndRouting } from './constructs/triage-and-routing';
import { env, type FunctionName, functions as functionSpecs } from './topology';

export interface SwitchboardStackProps extends StackProps {
  readonly config: SwitchboardConfig;
  /** Where each function's handler is; defaults to the topology's entries. */
  readonly entryOf?: (name: FunctionName) => string;
}

/** Switchboard: the same boxes as the README diagram, wired from the topology. */
export class SwitchboardStack extends Stack {
  readonly functions: Record<FunctionName, SwitchboardFunction>;

  constructor(scope: Construct, id: string, { config, entryOf, ...stackProps }: SwitchboardStackProps) {
    super(scope, id, { description: `${config.name}: serverless omnichannel customer-service ticketing`, ...stackProps });

    this.functions = Object.fromEntries(
      (Object.keys(functionSpecs) as FunctionName[]).map((name) => [
        name,
        new SwitchboardFunction(this, name, { name, config, entry: entryOf?.(name) }),
      ]),
    ) as Record<FunctionName, SwitchboardFunction>;
    const { functions } = this;

    const store = new TicketsStore(this, 'TicketsStore');
    const events = new EventBus(this, 'Events', config);
    const queues = new Queues(this, 'Queues', { config, functions, table: store.table, bus: events.bus });
    const triageAndRouting = new TriageAndRouting(this, 'TriageAndRouting', { config, functions, table: store.table, bus: events.bus });
    events.addRules(config, queues.queues, { stateMachine: triageAndRouting.workflow.stateMachine, deadLetterQueue: triageAndRouting.workflowDeadLetterQueue });
    const channels = new Channels(this, 'Channels', { config, functions, table: store.table, bus: events.bus });
    const api = new Api(this, 'Api', { config, functions, table: store.table });
    // The customer API publishes CustomerUpdated, CustomerMerged and CustomerErased.
    functions.customers.bindEventBus(events.bus);
    // Working tickets publishes TicketUpdated, TicketStatusChanged, AgentMentioned and the sub-task
    // events; a macro's reply publishes the changes its `set` makes.
    functions.ticketWork.bindEventBus(events.bus);
    functions.createReply.bindEventBus(events.bus);
    // Satisfaction: the link in a request points into the API (unless csat.linkBaseUrl says otherwise); a score is published.
    functions.delivery.addEnvironment(env.apiUrl, api.url);
    functions.csat.bindEventBus(events.bus);
    const observability = new Observability(this, 'Observability', {
      config,
      functions,
      ingestFunction: functions.ingest,
      queues: queues.queues,
      emailFailures: channels.emailFailures,
      httpApi: api.httpApi,
      workflow: { stateMachine: triageAndRouting.workflow.stateMachine, deadLetterQueue: triageAndRouting.workflowDeadLetterQueue },
    });

    new CfnOutput(this, 'WebhookUrl', { value: `${api.url}webhooks/{channel}`, description: 'Channel webhook URL; put the channel name in place of {channel}' });
    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL of the agent API' });
    new CfnOutput(this, 'UserPoolId', { value: api.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: api.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'DashboardUrl', { value: observability.dashboardUrl });
    new CfnOutput(this, 'TicketWorkflowArn', {
      value: triageAndRouting.workflow.stateMachine.stateMachineArn,
      description: 'The ticket workflow state machine: a run per ticket and per change of its deadlines (assignment, SLA checks, escalation)',
    });
    if (channels.receiptRuleSet) {
      new CfnOutput(this, 'EmailReceiptRuleSet', {
        value: channels.receiptRuleSet.receiptRuleSetName,
        description: 'Activate it once (one rule set is active per account and region): aws ses set-active-receipt-rule-set --rule-set-name <this>',
      });
    }
  }
}
