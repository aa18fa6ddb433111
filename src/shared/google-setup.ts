/**
 * The steps from nothing to a Google Photos destination, shown in the add-destination form and
 * mirrored in docs/destinations.md. Cradle ships no OAuth client: Google's Photos Library API
 * gives one project 10,000 requests a day for all its users, so each user brings their own.
 * The links are the only outside pages the desktop window lets the system browser open by itself.
 */
export interface SetupStep {
  text: string
  link?: { label: string; href: string }
}

export const GOOGLE_SETUP_STEPS: readonly SetupStep[] = [
  { text: 'Create a project in Google Cloud.', link: { label: 'New project', href: 'https://console.cloud.google.com/projectcreate' } },
  { text: 'Enable the Photos Library API in that project.', link: { label: 'Photos Library API', href: 'https://console.cloud.google.com/apis/library/photoslibrary.googleapis.com' } },
  { text: 'Set up the consent screen (Google Auth Platform): user type External, your address as contact and as a test user.', link: { label: 'Google Auth Platform', href: 'https://console.cloud.google.com/auth/overview' } },
  { text: 'Create an OAuth client of type "Desktop app" and copy its client ID and client secret into the fields below.', link: { label: 'Clients', href: 'https://console.cloud.google.com/auth/clients' } },
  {
    text: 'Publish the app to Production (Audience → Publish app). In Testing, Google ends the sign-in every 7 days. For personal use (under 100 users) no verification is needed: you click past "Google hasn\u2019t verified this app" once.',
    link: { label: 'Audience', href: 'https://console.cloud.google.com/auth/audience' },
  },
]

export const GOOGLE_SETUP_LINKS: readonly string[] = GOOGLE_SETUP_STEPS.flatMap((s) => (s.link ? [s.link.href] : []))
