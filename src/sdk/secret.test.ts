import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../errors/index.js";
import { Secret, type SecretOptions } from "./secret.js";

function expectInvalid(options: unknown, ...fragments: string[]): void {
  const call = () => new Secret(options as SecretOptions);
  expect(call).toThrow(InvalidOptionError);
  for (const f of fragments) expect(call).toThrow(f);
}

describe("Secret", () => {
  it("defaults asEnvVar from the key", () => {
    expect(new Secret({ key: "OPENAI_KEY" }).asEnvVar).toBe("OPENAI_KEY");
    expect(new Secret({ key: "db-pass" }).asEnvVar).toBe("DB_PASS");
    expect(new Secret({ key: "my.api_key-2" }).asEnvVar).toBe("MY_API_KEY_2");
    expect(new Secret({ key: "3scale" }).asEnvVar).toBe("_3SCALE");
  });

  it("keeps all given fields", () => {
    const s = new Secret({ key: "db-pass", group: "prod", asEnvVar: "DB_PASS", mountPath: "/etc/secrets/db" });
    expect(s).toMatchObject({ key: "db-pass", group: "prod", asEnvVar: "DB_PASS", mountPath: "/etc/secrets/db" });
    expect(s.toJSON()).toEqual({ key: "db-pass", group: "prod", asEnvVar: "DB_PASS", mountPath: "/etc/secrets/db" });
    expect(new Secret({ key: "k" }).toJSON()).toEqual({ key: "k", asEnvVar: "K" });
    expect(Object.isFrozen(s)).toBe(true);
  });

  it.each<[unknown, ...string[]]>([
    [{ key: "" }, 'Secret: option "key": got ""'],
    [{ key: "has space" }, 'got "has space"', "letters, digits"],
    [{ key: "a/b" }, 'got "a/b"'],
    [{}, 'option "key": got undefined'],
    [{ key: 5 }, "got 5"],
    [{ key: "k", group: "a b" }, 'option "group": got "a b"'],
    [{ key: "k", asEnvVar: "db_pass" }, 'option "asEnvVar": got "db_pass"', "upper-case"],
    [{ key: "k", asEnvVar: "1ABC" }, 'got "1ABC"'],
    [{ key: "k", asEnvVar: "" }, 'option "asEnvVar": got ""'],
    [{ key: "k", mountPath: "relative/path" }, 'option "mountPath": got "relative/path"', "absolute path"],
    [{ key: "k", envVar: "K" }, 'Secret: unknown option "envVar"', 'Did you mean "asEnvVar"?'],
    ["k", 'Secret options: got "k"'],
  ])("rejects %j", (options, ...fragments) => {
    expectInvalid(options, ...fragments);
  });

  describe("Secret.from", () => {
    const field = 'TaskEnvironment "etl": option "secrets[1]"';

    it("turns a string into a Secret with that key", () => {
      const s = Secret.from("OPENAI_KEY", field);
      expect(s).toBeInstanceOf(Secret);
      expect(s.key).toBe("OPENAI_KEY");
      expect(s.asEnvVar).toBe("OPENAI_KEY");
    });

    it("keeps a Secret as is", () => {
      const s = new Secret({ key: "db-pass", asEnvVar: "DB_PASS" });
      expect(Secret.from(s, field)).toBe(s);
    });

    it.each([["bad key"], [""], [42], [{ key: "x" }], [null]])("rejects %j naming the field", (value) => {
      const call = () => Secret.from(value as string, field);
      expect(call).toThrow(InvalidOptionError);
      expect(call).toThrow(`${field}: got`);
    });
  });
});
