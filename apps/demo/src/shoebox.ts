import { createClient, type ShoeboxClient } from '@shoebox/client';

/** The client for the Shoebox that serves this page, with the API key it hands its own sample app. */
export async function connect(): Promise<ShoeboxClient> {
  const response = await fetch('/demo/config.json');
  if (!response.ok) throw new Error(`config: ${response.status}`);
  const { apiKey } = (await response.json()) as { apiKey: string };
  return createClient({ baseUrl: location.origin, apiKey, storage: localStorage });
}
