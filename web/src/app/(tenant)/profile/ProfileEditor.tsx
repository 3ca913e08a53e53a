"use client";

import { useEffect, useState, type FormEvent } from "react";
import { result } from "@/api/client";
import type { components } from "@/api/schema";
import { Field } from "@/components/Field";
import { Loading, Notice, ProblemAlert } from "@/components/states";
import { useLoad } from "@/components/useLoad";
import type { Problem } from "@/problems/problem";
import { useSession } from "@/session/SessionProvider";
import { useTenant } from "@/tenant/TenantProvider";

type Profile = components["schemas"]["Profile"];
type Draft = Pick<Profile, "displayName" | "locale" | "timeZone"> & { avatarUrl: string };

function draftOf(profile: Profile): Draft {
  return {
    displayName: profile.displayName,
    avatarUrl: profile.avatarUrl ?? "",
    locale: profile.locale,
    timeZone: profile.timeZone,
  };
}

/**
 * Edits the profile against the version it was read at (If-Match). When someone else saved in
 * the meantime, the 412 carries the newer version: both are shown, and nothing is lost.
 */
export function ProfileEditor() {
  const { api } = useSession();
  const tenant = useTenant();
  const loaded = useLoad(() => result(api.GET("/api/profiles/me")), [api]);
  const [base, setBase] = useState<Profile>();
  const [draft, setDraft] = useState<Draft>();
  const [newer, setNewer] = useState<Profile>();
  const [problem, setProblem] = useState<Problem>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (loaded.status === "ready") {
      setBase(loaded.data);
      setDraft(draftOf(loaded.data));
    }
  }, [loaded]);

  if (loaded.status === "loading") return <Loading what="your profile" />;
  if (loaded.status === "error") return <ProblemAlert problem={loaded.problem} onRetry={loaded.reload} />;
  if (!base || !draft) return <Loading what="your profile" />;

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!base || !draft) return;
    setBusy(true);
    setSaved(false);
    const answer = await result(
      api.PUT("/api/profiles/me", {
        params: { header: { "If-Match": `"${base.version}"` } },
        body: { ...draft, avatarUrl: draft.avatarUrl || null, preferences: base.preferences },
      }),
    );
    setBusy(false);
    if (answer.ok) {
      setBase(answer.data);
      setDraft(draftOf(answer.data));
      setNewer(undefined);
      setProblem(undefined);
      setSaved(true);
      return;
    }
    if (answer.problem.status === 412) {
          // The 412 names the newer version; read it whole to show it beside the edits.
      const current = await result(api.GET("/api/profiles/me"));
      if (current.ok) setNewer(current.data);
    }
    setProblem(answer.problem);
  }

  const field = (key: keyof Draft) => ({
    name: key,
    value: draft[key],
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value }),
    error: problem?.field === key ? problem.detail : undefined,
  });

  return (
    <section className="card">
      <form onSubmit={save}>
        <Field label="Display name" required maxLength={100} {...field("displayName")} />
        <Field label="Avatar URL (optional)" type="url" {...field("avatarUrl")} />
        <Field label="Locale" hint="Such as en-GB or fr-FR." required {...field("locale")} />
        <Field label="Time zone" hint="Such as Europe/London." required {...field("timeZone")} />
        {newer ? (
          <div className="alert alert-error" role="alert" data-testid="profile-conflict">
            <p>
              Someone saved this profile (version {newer.version}) after you opened it at version {base.version}.
              Nothing of yours was saved. Compare, then keep yours or take theirs.
            </p>
            <div className="version-compare">
              <div>
                <h2>Yours</h2>
                <ProfileFacts draft={draft} />
              </div>
              <div>
                <h2>Saved (version {newer.version})</h2>
                <ProfileFacts draft={draftOf(newer)} />
              </div>
            </div>
            <p className="row">
              <button
                type="button"
                onClick={() => {
                  // Keep my edits, now made to the newer version: the next save replaces it.
                  setBase(newer);
                  setNewer(undefined);
                  setProblem(undefined);
                }}
              >
                Keep mine
              </button>
              <button
                type="button"
                className="button-secondary"
                onClick={() => {
                  setBase(newer);
                  setDraft(draftOf(newer));
                  setNewer(undefined);
                  setProblem(undefined);
                }}
              >
                Take the saved version
              </button>
            </p>
          </div>
        ) : (
          <ProblemAlert problem={problem} />
        )}
        {saved ? <Notice>Saved (version {base.version}).</Notice> : null}
        <button type="submit" disabled={busy || tenant.suspended}>
          {busy ? "Saving…" : "Save"}
        </button>
      </form>
    </section>
  );
}

function ProfileFacts({ draft }: { draft: Draft }) {
  return (
    <dl className="facts">
      <dt>Display name</dt>
      <dd>{draft.displayName}</dd>
      <dt>Avatar</dt>
      <dd>{draft.avatarUrl || "none"}</dd>
      <dt>Locale</dt>
      <dd>{draft.locale}</dd>
      <dt>Time zone</dt>
      <dd>{draft.timeZone}</dd>
    </dl>
  );
}
