import type { _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';

import { interpretResponse } from '../src/batch-response.js';

const record = (seq: number): StreamRecord => ({
  eventName: 'INSERT',
  dynamodb: { SequenceNumber: String(seq), Keys: { id: { S: `k${seq}` } } },
});

describe('interpretResponse', () => {
  it('treats an empty or unknown itemIdentifier as a failure of the whole batch', () => {
    const records = [record(1), record(2)];
    expect(interpretResponse({ batchItemFailures: [{ itemIdentifier: '' }] }, records)).toMatchObject({
      kind: 'partial',
      index: 0,
    });
    expect(interpretResponse({ batchItemFailures: [{ itemIdentifier: '999' }] }, records)).toMatchObject({
      kind: 'partial',
      index: 0,
    });
    expect(interpretResponse({ batchItemFailures: [] }, records)).toEqual({ kind: 'ok' });
    expect(interpretResponse(undefined, records)).toEqual({ kind: 'ok' });
  });
});

describe('interpretResponse on a partial batch response', () => {
  it('resumes at the lowest failed record, whatever the order of the failures', () => {
    const records = [record(7), record(8), record(9)];
    expect(
      interpretResponse({ batchItemFailures: [{ itemIdentifier: '9' }, { itemIdentifier: '8' }] }, records),
    ).toEqual({ kind: 'partial', index: 1, reason: 'batchItemFailures from 8' });
  });
});
