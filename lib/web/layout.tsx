/**
 * The one page shell: the header (brand, main navigation, who is signed in, log out) and, on
 * admin pages, the admin tabs. Every page renders through it, login and error pages included.
 */
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
  { href: "/settings", label: "Settings", admin: true },
  { href: "/admin/users", label: "Admin", admin: true },
];

const ADMIN_TABS: NavItem[] = [
  { href: "/admin/users", label: "Users" },
  { href: "/admin/sessions", label: "Sessions" },
  { href: "/admin/clients", label: "Clients" },
  { href: "/admin/audit", label: "Audit log" },
  { href: "/admin/notifications", label: "Notifications" },
];

function isCurrent(path: string, href: string): boolean {
  if (href === "/") return path === "/";
  if (href.startsWith("/admin")) return path.startsWith("/admin");
  return path === href || path.startsWith(href + "/");
}

/** The admin pages' tabs (Users, Sessions, Clients, Audit log). */
function AdminTabs(props: { path: string }) {
  return (
    <nav class="subnav" aria-label="Admin">
      {ADMIN_TABS.map((t) => (
        <a
          key={t.href}
          href={t.href}
          aria-current={props.path.startsWith(t.href) ? "page" : undefined}
        >
          {t.label}
        </a>
      ))}
    </nav>
  );
}

/** The page frame: header with the navigation and the logout form, then the page. */
export function Layout(
  props: { path: string; user: LayoutUser | null; children: ComponentChildren },
) {
  const { path, user } = props;
  const admin = user?.role === "admin" && path.startsWith("/admin");
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
      <main class="main">
        {admin && <AdminTabs path={path} />}
        {props.children}
      </main>
    </>
  );
}
