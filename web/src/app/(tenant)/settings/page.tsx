import type { Metadata } from "next";
import { Settings } from "./Settings";

export const metadata: Metadata = { title: "Settings" };

export default function SettingsPage() {
  return (
    <>
      <h1>Organisation settings</h1>
      <Settings />
    </>
  );
}
