/** What every alert channel (webhook.ts, email.ts) offers the consumer (consumer.ts). */
import type { OutgoingAlert } from './alerts.js';

export interface AlertChannel {
  /** `webhook` or `email`: the cursor's name, the `channel_down:<name>` key, what logs say. */
  readonly name: string;
  /** Strings its errors must never show (scrub.ts). */
  readonly secrets: readonly string[];
  /** Sends one alert once; throws when it did not arrive. `signal` aborts it when the consumer stops (where the transport can). */
  send(alert: OutgoingAlert, signal?: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}
