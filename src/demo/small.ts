// The small demo set: a fortnight of one Zhejiang supply chain, recorded through the real API.
import { appendCheckDigit } from "../codes";
import { itemKey, lotKey } from "../codes/keys";
import { usccCheckCharacter } from "../codes/uscc";
import type { Database } from "../db/types";
import { pdfFile } from "../features/inspections/fixtures";
import { createMember } from "../features/members/service";
import { createRegulator } from "../features/orgs/bootstrap";
import type { FixedClock } from "../lib/clock";
import { randomString } from "../lib/random";
import type { DemoClient } from "./client";

export interface DemoLogin {
  login: string;
  password: string;
  org: string;
}

export interface DemoFile {
  baseUrl: string;
  keys: Record<string, string>;
  /** One owner per demo organisation, to log in to the console. */
  logins: Record<string, DemoLogin>;
  orgs: Record<string, string>;
  samples: Record<string, string>;
}

const uscc = (region: string, n: number) => {
  const body = `91${region}MA2${String(n).padStart(6, "0")}`;
  return body + usccCheckCharacter(body);
};
const HOUR = 3_600_000;

interface Registered {
  id: string;
  key: string;
}

export async function seedSmall(
  client: DemoClient,
  db: Database,
  clock: FixedClock,
): Promise<DemoFile> {
  const regulator = await createRegulator(db, clock, {
    nameZh: "浙江省市场监督管理局",
    regionCode: "330000",
    jurisdiction: "330000",
    uscc: uscc("330000", 1),
  });
  const regKey = regulator.key.key;

  async function register(
    name: string,
    roles: string[],
    region: string,
    n: number,
    licences: { kind: string; number: string }[] = [],
  ) {
    const res = await client.must<{ org: { id: string }; apiKey: { key: string } }>(
      "POST",
      "/v1/orgs",
      {
        json: {
          nameZh: name,
          uscc: uscc(region, n),
          roles,
          regionCode: region,
          licences,
          contactPhone: "0576-8800000",
        },
      },
    );
    await client.must("POST", `/v1/orgs/${res.org.id}/status`, {
      key: regKey,
      json: { status: "verified", reason: "营业执照与许可证已核验（演示数据）" },
    });
    return { id: res.org.id, key: res.apiKey.key } satisfies Registered;
  }

  const farm = await register("台州市黄岩蜜橘专业合作社", ["producer"], "331003", 11, [
    { kind: "food_production_sc", number: "SC10633100300011" },
  ]);
  const pharma = await register("杭州康宁制药有限公司", ["producer"], "330110", 12, []);
  const bayberry = await register("慈溪杨梅食品有限公司", ["producer", "seller"], "330282", 13, [
    { kind: "food_production_sc", number: "SC11433028200013" },
  ]);
  const shop = await register("橘乡旗舰店", ["seller"], "330106", 21, [
    { kind: "food_business_jy", number: "JY13301060012345" },
  ]);
  const pharmacy = await register("放心大药房（上城店）", ["seller"], "330102", 22, [
    { kind: "drug_business", number: "浙AA5710001" },
  ]);
  const shady = await register("义乌刷单小店", ["seller"], "330782", 23, [
    { kind: "food_business_jy", number: "JY13307820067890" },
  ]);
  const carrier = await register("顺路速运有限公司", ["logistics"], "330109", 31);
  const lab = await register("台州市食品药品检验检测研究院", ["inspector"], "331002", 41, [
    { kind: "cma", number: "201519002145" },
    { kind: "cnas", number: "CNAS L1234" },
  ]);

  // A shop that signed up and waits for the regulator's verification queue.
  await client.must("POST", "/v1/orgs", {
    json: {
      nameZh: "温岭海鲜干货铺（待核验）",
      uscc: uscc("331081", 24),
      roles: ["seller"],
      regionCode: "331081",
      licences: [{ kind: "food_business_jy", number: "JY13310810054321" }],
      contactPhone: "0576-8800024",
    },
  });

  const people: [string, string, string][] = [
    ["regulator", regulator.orgId, "陈科长"],
    ["producer", farm.id, "王社长"],
    ["pharma", pharma.id, "李经理"],
    ["bayberry", bayberry.id, "周厂长"],
    ["seller", shop.id, "赵店长"],
    ["pharmacy", pharmacy.id, "孙药师"],
    ["blackListedSeller", shady.id, "钱老板"],
    ["logistics", carrier.id, "吴站长"],
    ["inspector", lab.id, "郑检验员"],
  ];
  const logins: Record<string, DemoLogin> = {};
  for (const [who, orgId, displayName] of people) {
    // A fresh password per seeding: a demo left reachable on a network is not open to everyone.
    const login = {
      login: `${who.toLowerCase()}@demo.zhuisu.cn`,
      password: randomString(12),
      org: orgId,
    };
    await createMember(db, clock, {
      orgId,
      login: { email: login.login },
      displayName,
      role: "owner",
      password: login.password,
    });
    logins[who] = login;
  }

  for (const seller of [shop, pharmacy, bayberry]) {
    await client.must("POST", "/v1/me/commitments", {
      key: seller.key,
      json: {
        quality: "所售商品均来自正规渠道，可扫码追溯来源",
        priceHonesty: "明码标价，不虚构原价",
        logistics: "48小时内发货，如实填写物流信息",
        afterSales: { noReasonReturnDays: 7, firstCompensation: true, responseHours: 24 },
      },
    });
  }

  // Products, lots and items.
  const mandarin = appendCheckDigit("0697000000001");
  const amoxicillin = appendCheckDigit("0697000000002");
  const bayberryGtin = appendCheckDigit("0697000000003");
  await client.must("POST", "/v1/products", {
    key: farm.key,
    json: {
      gtin: mandarin,
      nameZh: "黄岩蜜橘 礼盒装",
      nameEn: "Huangyan mandarins, gift box",
      category: "edible_agricultural",
      specification: "5 kg/箱",
      netWeightGrams: 5000,
      shelfLifeDays: 30,
      originRegion: "331003",
      originPlace: "头陀镇断江村",
    },
  });
  await client.must("POST", "/v1/products", {
    key: pharma.key,
    json: {
      gtin: amoxicillin,
      nameZh: "阿莫西林胶囊",
      nameEn: "Amoxicillin capsules",
      category: "drug",
      specification: "0.25 g × 24 粒",
      netWeightGrams: 30,
      licences: [{ kind: "drug_approval", number: "国药准字H20043135" }],
      shelfLifeDays: 730,
      originRegion: "330110",
    },
  });
  await client.must("POST", "/v1/products", {
    key: bayberry.key,
    json: {
      gtin: bayberryGtin,
      nameZh: "慈溪杨梅干",
      nameEn: "Cixi dried bayberries",
      category: "food",
      specification: "200 g/袋",
      netWeightGrams: 200,
      licences: [{ kind: "food_production_sc", number: "SC11433028200013" }],
      shelfLifeDays: 270,
      originRegion: "330282",
    },
  });

  const today = (offsetDays = 0) =>
    new Date(clock.now().getTime() + offsetDays * 86_400_000).toISOString().slice(0, 10);
  async function lotWithItems(
    owner: Registered,
    gtin: string,
    lot: string,
    count: number,
    extra: Record<string, unknown> = {},
  ) {
    await client.must("POST", `/v1/products/${gtin}/lots`, {
      key: owner.key,
      json: {
        lot,
        productionDate: today(),
        quantity: count,
        originRegion: extra.originRegion,
        ...extra,
      },
    });
    const made = await client.must<{ items: { serial: string; key: string }[] }>(
      "POST",
      `/v1/products/${gtin}/lots/${lot}/items`,
      {
        key: owner.key,
        json: { count },
      },
    );
    return made.items.map((i) => i.key);
  }
  const goodLot = await lotWithItems(farm, mandarin, "HY20261101", 24, {
    originRegion: "331003",
    originPlace: "头陀镇断江村3号果园",
    masterData: {
      certificate: {
        productName: "黄岩蜜橘",
        quantityOrWeight: "120 kg",
        producerName: "台州市黄岩蜜橘专业合作社",
        origin: "浙江省台州市黄岩区头陀镇",
        contact: "0576-8800000",
        issueDate: today(),
        commitments: [
          "no_banned_pesticides_or_vet_drugs",
          "no_illegal_additives",
          "withdrawal_periods_observed",
          "residues_within_limits",
        ],
        basis: "self_test",
      },
    },
  });
  const badLot = await lotWithItems(farm, mandarin, "HY20261115", 12, { originRegion: "331003" });
  const drugLot = await lotWithItems(pharma, amoxicillin, "AM2610A", 12);
  const bayberryLot = await lotWithItems(bayberry, bayberryGtin, "YM2606", 12);

  // Inspections: the first lot passes, the second fails (chlorpyrifos above the GB 2763 limit).
  clock.advance(26 * HOUR);
  for (const [lot, conclusion, value] of [
    ["HY20261101", "pass", "0.005"],
    ["HY20261115", "fail", "0.31"],
  ] as const) {
    const form = new FormData();
    form.set(
      "report",
      JSON.stringify({
        lot: lotKey(mandarin, lot),
        reportNumber: `TZJY-2026-${lot.slice(-4)}`,
        standards: ["GB 2763-2021 食品中农药最大残留限量"],
        testItems: [
          {
            name: "毒死蜱",
            value,
            limit: "≤0.05",
            unit: "mg/kg",
            verdict: conclusion,
            method: "GB 23200.113-2018",
          },
          {
            name: "多菌灵",
            value: "0.02",
            limit: "≤5",
            unit: "mg/kg",
            verdict: "pass",
            method: "GB/T 20769-2008",
          },
        ],
        samplingDate: today(-1),
        issueDate: today(),
        conclusion,
      }),
    );
    form.set("pdf", pdfFile(`检验报告 ${lot} ${conclusion}`));
    await client.must("POST", "/v1/inspections", { key: lab.key, form });
  }

  // Listings.
  clock.advance(20 * HOUR);
  const listing = (seller: Registered, code: string, shopName: string, price: number) =>
    client.must("POST", "/v1/events", {
      key: seller.key,
      json: {
        kind: "listing",
        code,
        shopName,
        listingUrl: `https://shop.example.cn/${code}`,
        price,
      },
    });
  await listing(shop, mandarin, "橘乡旗舰店", 89);
  await listing(pharmacy, amoxicillin, "放心大药房", 12.5);
  await listing(bayberry, bayberryGtin, "慈溪杨梅官方店", 26);

  // Sales, dispatch, delivery, receipts.
  const receipts = new Map<string, string>();
  async function sell(seller: Registered, items: string[], order: string, buyer: string) {
    const sale = await client.must<{
      receipts: { item: string; receiptCode: string; url: string }[];
    }>("POST", "/v1/events", {
      key: seller.key,
      json: { kind: "sale", items, orderNumber: order, buyerRef: buyer },
    });
    for (const r of sale.receipts) receipts.set(r.item, r.url);
  }
  async function ship(
    custodian: Registered,
    items: string[],
    waybill: string,
    to: string,
    grams: number,
  ) {
    await client.must("POST", "/v1/events", {
      key: custodian.key,
      json: {
        kind: "dispatch",
        items,
        waybill,
        carrierOrgId: carrier.id,
        parcelWeightGrams: grams,
        destinationRegion: to,
      },
    });
  }
  const buyers = [
    "buyer-hz-01",
    "buyer-nb-02",
    "buyer-wz-03",
    "buyer-sx-04",
    "buyer-jh-05",
    "buyer-hz-06",
    "buyer-tz-07",
    "buyer-ls-08",
  ];
  for (let i = 0; i < 8; i++) {
    clock.advance(3 * HOUR);
    await sell(shop, [goodLot[i]!], `JX2026-${1000 + i}`, buyers[i]!);
  }
  clock.advance(4 * HOUR);
  for (let i = 0; i < 8; i++)
    await ship(farm, [goodLot[i]!], `SF80000${i}`, i % 2 ? "330106" : "330203", 5300);
  clock.advance(30 * HOUR);
  await client.must("POST", "/v1/events", {
    key: carrier.key,
    json: { kind: "sign_off", items: goodLot.slice(0, 6), waybill: "SF800000" },
  });

  // Buyers confirm, review and complain with their receipt codes.
  const receiptOf = (item: string) => new URL(receipts.get(item)!).searchParams.get("receipt")!;
  clock.advance(5 * HOUR);
  for (const [i, rating, text] of [
    [0, 5, "橘子很甜，水分足，包装完好"],
    [1, 4, "味道不错，个头稍小"],
    [2, 5, "扫码能看到检测报告，放心"],
    [3, 3, "有两个磕碰，其余还好"],
  ] as const) {
    await client.must("POST", "/v1/reviews", {
      json: { item: goodLot[i], receiptCode: receiptOf(goodLot[i]!), rating, text },
    });
    clock.advance(2 * HOUR);
  }
  clock.advance(48 * HOUR);
  await client.must("POST", "/v1/reviews/follow-ups", {
    json: {
      item: goodLot[0],
      receiptCode: receiptOf(goodLot[0]!),
      text: "放了一周依然新鲜，会回购",
    },
  });
  const complaint = await client.must<{ id: string }>("POST", "/v1/complaints", {
    json: {
      item: goodLot[3],
      receiptCode: receiptOf(goodLot[3]!),
      category: "quality",
      text: "箱内有两个橘子磕碰腐烂，希望补发",
      contact: "138****0000",
    },
  });
  await client.must("POST", `/v1/complaints/${complaint.id}/answer`, {
    key: shop.key,
    json: { text: "非常抱歉，已为您补发两个并退款10元" },
  });
  await client.must("POST", "/v1/events", {
    key: shop.key,
    json: { kind: "return", items: [goodLot[5]], reason: "七天无理由退货" },
  });

  // The drug: sold by the pharmacy, then the lot is recalled by its maker.
  await sell(pharmacy, drugLot.slice(0, 3), "FX-20261120-01", "buyer-hz-11");
  clock.advance(24 * HOUR);
  await client.must("POST", "/v1/recalls", {
    key: pharma.key,
    json: {
      product: amoxicillin,
      lots: [lotKey(amoxicillin, "AM2610A")],
      level: "II",
      reason: "溶出度不符合规定",
      instructions: "请停止服用，凭购药凭证到购买药店退货",
      contacts: "召回热线 400-000-1234",
    },
  });
  await sell(bayberry, bayberryLot.slice(0, 2), "YM-1", "buyer-nb-21");

  // The black list, decided by the regulator.
  await client.must("POST", "/v1/lists", {
    key: regKey,
    json: {
      orgId: shady.id,
      list: "black",
      reason: "组织虚假交易（刷单炒信），情节严重",
      legalBasis: "《中华人民共和国电子商务法》第十七条、第八十五条",
      authority: "义乌市市场监督管理局",
      severity: "serious",
      listedOn: today(),
    },
  });

  // A cloned code: one delivered item scanned by many phones in different cities.
  const cloned = goodLot[1]!;
  for (let i = 0; i < 12; i++) {
    clock.advance(HOUR / 2);
    await client.request("GET", cloned, {
      headers: {
        "X-Forwarded-For": `203.0.${113 + i}.${10 + i}`,
        "User-Agent": `Mozilla/5.0 (Linux; Android 14; Phone ${i})`,
        Accept: "text/html",
      },
    });
  }
  const counterfeit = itemKey(mandarin, "FAKE00000001");
  await client.request("GET", counterfeit, {
    headers: { "X-Forwarded-For": "198.51.100.7", Accept: "text/html" },
  });

  return {
    baseUrl: client.baseUrl,
    keys: {
      regulator: regKey,
      producer: farm.key,
      seller: shop.key,
      logistics: carrier.key,
      inspector: lab.key,
      pharma: pharma.key,
      pharmacy: pharmacy.key,
    },
    logins,
    orgs: {
      regulator: regulator.orgId,
      producer: farm.id,
      pharma: pharma.id,
      bayberry: bayberry.id,
      seller: shop.id,
      pharmacy: pharmacy.id,
      blackListedSeller: shady.id,
      logistics: carrier.id,
      inspector: lab.id,
    },
    samples: {
      product: `/01/${mandarin}`,
      lot: lotKey(mandarin, "HY20261101"),
      item: goodLot[0]!,
      itemAwaitingReceipt: goodLot[6]!,
      receiptUrl: receipts.get(goodLot[6]!)!,
      failedLotItem: badLot[0]!,
      recalledItem: drugLot[0]!,
      clonedItem: cloned,
      counterfeitItem: counterfeit,
      bayberryItem: bayberryLot[0]!,
    },
  };
}
