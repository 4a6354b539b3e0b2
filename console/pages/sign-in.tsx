/** Sign-in: the API token is checked against the API before it is kept; a wrong one shows the API's problem. */
import { useState } from 'preact/hooks';
import { ApiClient } from '../api';
import { ProblemBox } from '../components/common';

export function SignIn({ apiBase, onSignedIn }: { apiBase: string; onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await new ApiClient({ apiBase, token: token.trim() }).request('GET', '/v1/streams?limit=1');
      onSignedIn(token.trim());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>Streamplane</h1>
      <form onSubmit={submit} class="card" aria-label="Sign in">
        <label for="api-token">API token</label>
        <input id="api-token" name="token" type="password" autoComplete="off" required value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        <p class="hint">
          The local plane prints it at start and keeps it in <code>.streamplane/api-token</code>. It is kept in this tab only.
        </p>
        <button type="submit" disabled={busy || token.trim() === ''}>
          Sign in
        </button>
        <ProblemBox error={error} />
      </form>
    </main>
  );
}
