import { createClient, type ShoeboxClient, type Sync, syncStoreIn } from '@shoebox/client';

export interface Connected {
  readonly sb: ShoeboxClient;
  /** The notes and photos kept on this device, live, with notes written offline waiting in it. */
  readonly sync: Sync;
}

/** The client for the Shoebox that serves this page, with the API key it hands its own sample app. */
export async function connect(): Promise<Connected> {
  const response = await fetch('/demo/config.json');
  if (!response.ok) throw new Error(`config: ${response.status}`);
  const { apiKey } = (await response.json()) as { apiKey: string };
  const sb = createClient({ baseUrl: location.origin, apiKey, storage: localStorage });
  return { sb, sync: sb.sync({ store: syncStoreIn(localStorage, 'shoebox.demo.sync') }) };
}
