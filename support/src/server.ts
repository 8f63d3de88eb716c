/** What every server in the lesson gives back once it listens. */
export interface RunningServer {
  /** The WebSocket URL: `ws://localhost:8080/ws`. */
  url: string;
  port: number;
  /** Closes every connection with 1001 and stops listening. */
  close(): Promise<void>;
}
