/**
 * A peer broke RFC 6455. `closeCode` is the status the connection must be closed with:
 * 1002 (protocol error), 1007 (invalid payload data) or 1009 (message too big).
 * Every protocol error in `shared` is made with this class, so a reader finds each code's
 * uses by searching for it.
 */
export class ProtocolError extends Error {
  readonly closeCode: number;

  constructor(closeCode: number, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.closeCode = closeCode;
  }
}
