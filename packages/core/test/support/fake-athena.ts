import {
  AthenaClient,
  GetQueryExecutionCommand,
  InvalidRequestException,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type {
  GetQueryExecutionCommandOutput,
  QueryExecutionState,
  StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';

import { AthenaEngine } from '../../src/aws/athena-engine.js';

/** How the fake ends a query it created: decided per query when it is first polled. */
export type FakeOutcome =
  | { readonly state: 'SUCCEEDED' }
  | { readonly state: 'FAILED'; readonly reason: string }
  | { readonly state: 'CANCELLED'; readonly reason: string }
  /** Stays RUNNING until StopQueryExecution (a MERGE the Lambda timeout left behind). */
  | { readonly state: 'RUNNING' };

export interface FakeQuery {
  readonly id: string;
  readonly sql: string;
  readonly token: string | undefined;
  readonly submittedAt: Date;
  state: QueryExecutionState;
  reason: string | undefined;
}

/**
 * The StartQueryExecution / GetQueryExecution / StopQueryExecution behaviour of Amazon Athena that
 * the merge protocol relies on, modelled from the Athena API reference
 * (https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html,
 * ClientRequestToken):
 *
 * - "If another StartQueryExecution request is received, the same response is returned and another
 *   query is not created": a repeated token returns the first query's id, whatever state that
 *   query is in now, CANCELLED and FAILED included (a dead query stays dead);
 * - "An error is returned if a parameter, such as QueryString, has changed": the same token with
 *   another QueryString is an InvalidRequestException;
 * - the token is 32 to 128 characters ("Length Constraints: Minimum length of 32. Maximum length
 *   of 128.");
 * - StopQueryExecution of a running query makes it CANCELLED; of an ended one, changes nothing
 *   (https://docs.aws.amazon.com/athena/latest/APIReference/API_StopQueryExecution.html).
 *
 * It runs no SQL: `decide` says how each new query ends. It is installed with aws-sdk-client-mock
 * on every AthenaClient (the adapter boundary, the only place with no local stand-in).
 */
export class FakeAthena {
  readonly queries: FakeQuery[] = [];
  private readonly byToken = new Map<string, FakeQuery>();
  private readonly mock = mockClient(AthenaClient);

  constructor(
    public decide: (query: FakeQuery, index: number) => FakeOutcome = () => ({ state: 'SUCCEEDED' }),
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.mock
      .on(StartQueryExecutionCommand)
      .callsFake((input: StartQueryExecutionCommandInput) => this.start(input));
    this.mock
      .on(GetQueryExecutionCommand)
      .callsFake((input: { QueryExecutionId: string }) => this.get(input.QueryExecutionId));
    this.mock.on(StopQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
      const q = this.find(input.QueryExecutionId);
      if (q.state === 'QUEUED' || q.state === 'RUNNING') {
        q.state = 'CANCELLED';
        q.reason = 'Query cancelled by user';
      }
      return {};
    });
  }

  restore(): void {
    this.mock.restore();
  }

  /** Queries whose text starts with `prefix` (e.g. "MERGE INTO"). */
  started(prefix = ''): FakeQuery[] {
    return this.queries.filter((q) => q.sql.startsWith(prefix));
  }

  private start(input: StartQueryExecutionCommandInput): { QueryExecutionId: string } {
    const token = input.ClientRequestToken;
    const sql = input.QueryString ?? '';
    if (token !== undefined) {
      if (token.length < 32 || token.length > 128)
        throw new InvalidRequestException({
          message: 'ClientRequestToken must be 32 to 128 characters',
          $metadata: {},
        });
      const known = this.byToken.get(token);
      if (known !== undefined) {
        if (known.sql !== sql)
          throw new InvalidRequestException({
            message: 'Idempotent parameters do not match the earlier request with this ClientRequestToken',
            $metadata: {},
          });
        return { QueryExecutionId: known.id };
      }
    }
    const query: FakeQuery = {
      id: `fake-q${this.queries.length + 1}`,
      sql,
      token,
      submittedAt: this.clock(),
      state: 'QUEUED',
      reason: undefined,
    };
    this.queries.push(query);
    if (token !== undefined) this.byToken.set(token, query);
    return { QueryExecutionId: query.id };
  }

  private find(id: string): FakeQuery {
    const q = this.queries.find((x) => x.id === id);
    if (q === undefined)
      throw new InvalidRequestException({ message: `QueryExecution ${id} was not found`, $metadata: {} });
    return q;
  }

  private get(id: string): Pick<GetQueryExecutionCommandOutput, 'QueryExecution'> {
    const q = this.find(id);
    if (q.state === 'QUEUED') {
      const outcome = this.decide(q, this.queries.indexOf(q));
      q.state = outcome.state;
      q.reason = 'reason' in outcome ? outcome.reason : undefined;
    }
    return {
      QueryExecution: {
        QueryExecutionId: q.id,
        Query: q.sql,
        Status: {
          State: q.state,
          SubmissionDateTime: q.submittedAt,
          ...(q.reason === undefined ? {} : { StateChangeReason: q.reason }),
        },
        Statistics: { DataScannedInBytes: 0 },
      },
    };
  }
}

export interface FakeAthenaEngineOptions {
  /** The Glue database the statements name. */
  readonly database: string;
  /** The table name: the data under s3://lake/tables/<table>/, staging under <bucket>/staging/<table>/. */
  readonly table: string;
  readonly stagingBucket: string;
  /** The client, by default a plain AthenaClient (which an installed FakeAthena answers). */
  readonly athena?: AthenaClient;
}

/**
 * The real AthenaEngine in workgroup `ddb-athena-sync`, for a FakeAthena to answer. Between polls it
 * waits one real macrotask turn, so that a deadline timer can fire while a query "runs".
 */
export function athenaEngineOnFake(options: FakeAthenaEngineOptions): AthenaEngine {
  return new AthenaEngine({
    athena: options.athena ?? new AthenaClient({ region: 'us-east-1' }),
    workGroup: 'ddb-athena-sync',
    database: options.database,
    tableLocation: `s3://lake/tables/${options.table}/`,
    stagingLocation: `s3://${options.stagingBucket}/staging/${options.table}/`,
    sleep: () => new Promise((r) => setImmediate(r)),
  });
}
