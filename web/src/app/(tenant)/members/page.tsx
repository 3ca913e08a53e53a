import type { Metadata } from "next";
import { Members } from "./Members";

export const metadata: Metadata = { title: "Members" };

export default function MembersPage() {
  return (
    <>
      <h1>Members</h1>
      <Members />
    </>
  );
}
