import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { type IndexDesign, tableDesign } from '../../shared/store/table-design';

const stringKey = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

/** The one table holding tickets, messages, customers and identities, built from the shared design. */
export class TicketsStore extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: stringKey(tableDesign.partitionKey),
      sortKey: stringKey(tableDesign.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The AWS managed key: encrypted at rest, auditable in CloudTrail, no key to pay for or grant.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      timeToLiveAttribute: tableDesign.timeToLiveAttribute,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of tableDesign.indexes as readonly IndexDesign[]) {
      const nonKeyAttributes = index.nonKeyAttributes && [...index.nonKeyAttributes];
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: stringKey(index.partitionKey),
        sortKey: stringKey(index.sortKey),
        projectionType: nonKeyAttributes ? dynamodb.ProjectionType.INCLUDE : dynamodb.ProjectionType.ALL,
        nonKeyAttributes,
      });
    }
  }
}
