// A command the engine refuses, in Zeebe's words (docs/zeebe-compatibility.md C2): the gateway maps the type to a gRPC
// status and the message reads "Command '<INTENT>' rejected with code '<TYPE>': <reason>".
export type RejectionType =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'INVALID_STATE'
  | 'PROCESSING_ERROR'
  | 'EXCEEDED_BATCH_RECORD_SIZE';

export class Rejection extends Error {
  constructor(
    readonly intent: string,
    readonly rejectionType: RejectionType,
    readonly reason: string,
  ) {
    super(`Command '${intent}' rejected with code '${rejectionType}': ${reason}`);
    this.name = 'Rejection';
  }
}
