import { useState } from 'preact/hooks';
import type { ScreenProps } from '../app.js';

/** Sign up (a guest keeps its data), log in, log out, and delete the account with one confirmed action. */
export function Account({ sb, auth, fail }: ScreenProps) {
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState('');

  const credentialsOf = (event: Event) => {
    const form = new FormData(event.currentTarget as HTMLFormElement);
    return { email: String(form.get('email')), password: String(form.get('password')) };
  };
  const act = async (what: () => Promise<unknown>, message: string) => {
    fail(undefined);
    try {
      await what();
      setDone(message);
    } catch (error) {
      fail(error);
    }
  };

  return (
    <>
      {auth.kind !== 'authenticated' && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const credentials = credentialsOf(event);
            act(() => sb.auth.signUp(credentials), 'Signed up. Your notes and photos are kept.');
          }}
        >
          <p>You are a guest. Sign up to keep your notes and photos on any device.</p>
          <label for="signup-email">Email</label>
          <input id="signup-email" name="email" type="email" autocomplete="email" required />
          <label for="signup-password">Password (8 characters or more)</label>
          <input id="signup-password" name="password" type="password" autocomplete="new-password" minLength={8} required />
          <button type="submit">Sign up</button>
        </form>
      )}
      {auth.kind === 'authenticated' && (
        <button type="button" onClick={() => act(() => sb.auth.logOut(), 'Logged out. You are a new guest now.')}>
          Log out
        </button>
      )}
      <section aria-labelledby="delete-heading">
        <h3 id="delete-heading">Delete account</h3>
        {!confirming ? (
          <button type="button" class="danger" onClick={() => setConfirming(true)}>
            Delete my account…
          </button>
        ) : (
          <fieldset>
            <legend>Confirm deletion</legend>
            <p>This deletes your notes and photos for good.</p>
            <button
              type="button"
              class="danger"
              onClick={() => act(() => sb.auth.deleteAccount().then(() => sb.auth.ensureIdentity()), 'Account deleted.')}
            >
              Yes, delete everything
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep my account
            </button>
          </fieldset>
        )}
      </section>
      {done && <p role="status">{done}</p>}
    </>
  );
}
