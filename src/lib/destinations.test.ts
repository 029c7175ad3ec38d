// Subscription destinations: which addresses are public, and what configuration lets through.
import { describe, expect, it } from "vitest";
import { destinationPolicy, destinationProblem, nonPublicRange } from "./destinations";

const strict = destinationPolicy({
  SUBSCRIPTION_PRIVATE_DESTINATIONS: false,
  SUBSCRIPTION_ALLOWED_HOSTS: [],
});

describe("nonPublicRange", () => {
  it.each([
    ["0.0.0.0", "0.0.0.0/8"],
    ["10.255.0.1", "10.0.0.0/8"],
    ["100.64.0.1", "100.64.0.0/10"],
    ["127.0.0.1", "127.0.0.0/8"],
    ["169.254.169.254", "169.254.0.0/16"],
    ["172.16.0.1", "172.16.0.0/12"],
    ["172.31.255.255", "172.16.0.0/12"],
    ["192.168.0.1", "192.168.0.0/16"],
    ["198.19.0.1", "198.18.0.0/15"],
    ["224.0.0.1", "224.0.0.0/4"],
    ["255.255.255.255", "240.0.0.0/4"],
    ["::", "(::)"],
    ["::1", "(::1)"],
    ["::ffff:127.0.0.1", "127.0.0.0/8"],
    ["::ffff:7f00:1", "127.0.0.0/8"],
    ["64:ff9b::10.0.0.1", "10.0.0.0/8"],
    ["fc00::1", "fc00::/7"],
    ["fdff:ffff::1", "fc00::/7"],
    ["fe80::1%eth0", "fe80::/10"],
    ["ff02::1", "ff00::/8"],
    ["2001:db8::1", "2001:db8::/32"],
  ])("%s is in %s", (address, range) => {
    expect(nonPublicRange(address)).toContain(range);
  });

  it.each([
    "8.8.8.8",
    "93.184.216.34",
    "172.15.255.255",
    "172.32.0.1",
    "100.63.255.255",
    "2400:3200::1",
    "::ffff:8.8.8.8",
  ])("%s is public", (address) => {
    expect(nonPublicRange(address)).toBeNull();
  });

  it("names an address it cannot read instead of letting it through", () => {
    expect(nonPublicRange("1:2:3")).toContain("cannot be read");
  });
});

describe("destinationProblem", () => {
  it("accepts public http(s) URLs, by name or address", () => {
    for (const url of [
      "https://erp.example.cn/epcis/callback",
      "http://93.184.216.34:8080/hook",
      "https://[2400:3200::1]/hook",
    ]) {
      expect(destinationProblem(url, strict), url).toBeNull();
    }
  });

  it("lets configured hosts and, when allowed, every private address through", () => {
    const lan = destinationPolicy({
      SUBSCRIPTION_PRIVATE_DESTINATIONS: false,
      SUBSCRIPTION_ALLOWED_HOSTS: ["ERP.lan", "10.1.2.3"],
    });
    expect(destinationProblem("http://erp.lan/hook", lan)).toBeNull();
    expect(destinationProblem("http://10.1.2.3/hook", lan)).toBeNull();
    expect(destinationProblem("http://10.1.2.4/hook", lan)).toContain("10.0.0.0/8");
    const closed = destinationPolicy({
      SUBSCRIPTION_PRIVATE_DESTINATIONS: true,
      SUBSCRIPTION_ALLOWED_HOSTS: [],
    });
    expect(destinationProblem("http://127.0.0.1:9000/hook", closed)).toBeNull();
    // A scheme is never allowed by configuration.
    expect(destinationProblem("file:///etc/passwd", closed)).toBe("dest must be an http(s) URL");
  });
});
