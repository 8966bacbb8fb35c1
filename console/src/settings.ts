// Who the console acts as and where: region and credentials, remembered in this browser.
import { signal } from "@preact/signals";

export interface Settings {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const KEY = "fogbank.console.settings";

export const REGIONS = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
  "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1",
  "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "af-south-1",
];

function load(): Settings {
  const defaults: Settings = { region: "us-east-1", accessKeyId: "test", secretAccessKey: "test" };
  try {
    return { ...defaults, ...JSON.parse(localStorage.getItem(KEY) || "{}") };
  } catch {
    return defaults;
  }
}

export const settings = signal<Settings>(load());

export function saveSettings(next: Settings): void {
  localStorage.setItem(KEY, JSON.stringify(next));
  settings.value = next;
}
