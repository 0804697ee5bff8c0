/**
 * Types for the interfaces (api/, bot/) that hold what services need, so they can name the Temporal
 * client without importing the SDK themselves (services/temporal.ts connects it).
 */
import type { Client } from '@temporalio/client';

export type TemporalClient = Client;
