import { Client, Connection } from '@temporalio/client';
import { searchAttributeKeys } from '../contracts/search-attributes.js';

export async function connectTemporal(address: string, namespace: string): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace });
}

/** Registers the custom search attributes on servers that did not get them from temporal-dev.yaml. */
export async function ensureSearchAttributes(client: Client): Promise<void> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: client.options.namespace });
  const missing = searchAttributeKeys.filter((k) => !(k.name in (customAttributes ?? {})));
  if (missing.length === 0) return;
  try {
    await client.connection.operatorService.addSearchAttributes({
      namespace: client.options.namespace,
      // 2 = INDEXED_VALUE_TYPE_KEYWORD in temporal.api.enums.v1.IndexedValueType.
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, 2])),
    });
  } catch (error) {
    // Roles starting together race to register them; ALREADY_EXISTS (gRPC 6) means another one won.
    if ((error as { code?: number }).code !== 6) throw error;
  }
}
