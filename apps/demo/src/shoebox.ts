import { createClient, type ShoeboxClient, type Sync, syncStoreIn } from '@shoebox/client';

export interface Connected {
  readonly sb: ShoeboxClient;
  /** The notes and photos kept on this device, live, with notes written offline waiting in it. */
  readonly sync: Sync;
}

/** Where the API key is kept, so the app opens offline too. */
const CONFIG_KEY = 'shoebox.demo.config';

/** The client for the Shoebox that serves this page, with the API key it hands its own sample app (the one kept when offline). */
export async function connect(): Promise<Connected> {
  const { apiKey } = await config();
  const sb = createClient({ baseUrl: location.origin, apiKey, storage: localStorage });
  return { sb, sync: sb.sync({ store: syncStoreIn(localStorage, 'shoebox.demo.sync') }) };
}

async function config(): Promise<{ apiKey: string }> {
  try {
    const response = await fetch('/demo/config.json');
    if (!response.ok) throw new Error(`config: ${response.status}`);
    const answer = (await response.json()) as { apiKey: string };
    localStorage.setItem(CONFIG_KEY, JSON.stringify(answer));
    return answer;
  } catch (error) {
    const kept = localStorage.getItem(CONFIG_KEY);
    if (kept) return JSON.parse(kept) as { apiKey: string };
    throw error;
  }
}
