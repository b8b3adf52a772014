// PublishMessage (docs/zeebe-compatibility.md C28, C29).
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import { correlatePublishedMessage } from '../behaviour/message-correlation.js';
import { parseVariablesDocument } from './variables-document.js';

export interface PublishMessageRequest {
  name: string;
  correlationKey: string;
  timeToLiveMs: number;
  messageId: string;
  variables: string;
}

export function publishMessage(engine: Engine, r: PublishMessageRequest): number {
  if (!r.name)
    throw new Rejection('PUBLISH', 'INVALID_ARGUMENT', 'Expected message name to be non-empty, but it was empty');
  const variables = parseVariablesDocument('PUBLISH', r.variables);
  if (r.messageId) {
    for (const m of engine.state.messages.values()) {
      if (m.name === r.name && m.correlationKey === r.correlationKey && m.messageId === r.messageId) {
        throw new Rejection(
          'PUBLISH',
          'ALREADY_EXISTS',
          `Expected to publish a new message with id '${r.messageId}', but a message with that id was already published`,
        );
      }
    }
  }
  return engine.execute((tx, flow) => {
    const key = tx.nextKey();
    const expiresAt = tx.now + Math.max(0, r.timeToLiveMs);
    tx.emit({
      type: 'MESSAGE_PUBLISHED',
      key,
      name: r.name,
      correlationKey: r.correlationKey,
      messageId: r.messageId,
      variables,
      expiresAt,
    });
    correlatePublishedMessage(flow, { key, name: r.name, correlationKey: r.correlationKey, variables });
    if (r.timeToLiveMs <= 0) tx.emit({ type: 'MESSAGE_EXPIRED', key });
    return key;
  });
}
