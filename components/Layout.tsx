import type { ComponentChildren } from "preact";

export interface LayoutUser {
  username: string;
  role: "admin" | "viewer";
}

interface NavItem {
  href: string;
  label: string;
  admin?: boolean;
}

const NAV: NavItem[] = [
  { href: "/", label: "Live" },
  { href: "/history", label: "History" },
  { href: "/alarm", label: "Alarm" },
  { href: "/admin/clients", label: "Admin", admin: true },
];

function isCurrent(path: string, href: string): boolean {
  if (href === "/") return path === "/";
  if (href.startsWith("/admin")) return path.startsWith("/admin");
  return path === href || path.startsWith(href + "/");
}

/** The page frame: header with the navigation and the logout form, then the page. */
export function Layout(
  props: { path: string; user: LayoutUser | null; children: ComponentChildren },
) {
  const { path, user } = props;
  return (
    <>
      <header class="top">
        <a class="brand" href="/">
          <img src="/static/icon.svg" alt="" width={22} height={22} />
          <span>Vigil</span>
        </a>
        {user && (
          <nav class="nav" aria-label="Main">
            {NAV.filter((n) => !n.admin || user.role === "admin").map((n) => (
              <a
                key={n.href}
                href={n.href}
                aria-current={isCurrent(path, n.href) ? "page" : undefined}
              >
                {n.label}
              </a>
            ))}
          </nav>
        )}
        {user && (
          <form class="logout" method="post" action="/logout">
            <a
              class="who"
              href="/account"
              title={`Signed in as ${user.username}: your account`}
              aria-current={path === "/account" ? "page" : undefined}
            >
              {user.username}
            </a>
            <button type="submit" class="btn btn-ghost">Log out</button>
          </form>
        )}
      </header>
      <main class="main">{props.children}</main>
    </>
  );
}
