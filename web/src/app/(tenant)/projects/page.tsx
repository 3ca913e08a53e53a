import type { Metadata } from "next";
import { Exports } from "./Exports";
import { ProjectList } from "./ProjectList";

export const metadata: Metadata = { title: "Projects" };

export default function ProjectsPage() {
  return (
    <>
      <h1>Projects</h1>
      <ProjectList />
      <Exports />
    </>
  );
}
