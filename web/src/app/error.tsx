"use client";

/** Anything a page did not expect: said in plain words, with a way to try again. */
export default function PageError({ reset }: { error: Error; reset: () => void }) {
  return (
    <main id="main">
      <h1>Something went wrong</h1>
      <div className="alert alert-error" role="alert">
        <p>This page could not be shown. Try again in a moment.</p>
        <button type="button" className="button-secondary" onClick={reset}>
          Try again
        </button>
      </div>
    </main>
  );
}
