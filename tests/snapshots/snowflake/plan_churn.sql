-- staleness
SELECT
  MAX("TS") AS newest
FROM (
  SELECT
    "PLAN",
    "TS"
  FROM "EVENTS" AS "P"
  WHERE
    "TS" >= '2026-03-09' AND "TS" < '2026-03-13'
) AS m;

-- staleness over all time (sent only when no row is in the last 2 x max_age)
SELECT
  MAX("TS") AS newest
FROM (
  SELECT
    "PLAN",
    "TS"
  FROM "EVENTS" AS "P"
  WHERE
    "TS" >= '1970-01-01' AND "TS" < '2026-03-13'
) AS m;

-- grid size (first run only)
SELECT
  COUNT(*) AS __n
FROM (
  SELECT
    "PLAN",
    "TS"
  FROM "EVENTS" AS "P"
  WHERE
    "TS" >= '2026-02-05' AND "TS" < '2026-03-11'
) AS m;

-- grid (first run only: histogram bins from a block sample of the baseline, the percent is sized from the count)
SELECT
  APPROX_PERCENTILE(
    CASE
      WHEN ABS(CAST("SPEND" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("SPEND" AS DOUBLE)
    END,
    0.001
  ) AS lo0,
  APPROX_PERCENTILE(
    CASE
      WHEN ABS(CAST("SPEND" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("SPEND" AS DOUBLE)
    END,
    0.999
  ) AS hi0,
  MIN(
    CASE
      WHEN ABS(CAST("SPEND" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("SPEND" AS DOUBLE)
    END
  ) AS mn0,
  MAX(
    CASE
      WHEN ABS(CAST("SPEND" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("SPEND" AS DOUBLE)
    END
  ) AS mx0,
  APPROX_PERCENTILE(
    CASE
      WHEN ABS(CAST("TENURE" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("TENURE" AS DOUBLE)
    END,
    0.001
  ) AS lo1,
  APPROX_PERCENTILE(
    CASE
      WHEN ABS(CAST("TENURE" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("TENURE" AS DOUBLE)
    END,
    0.999
  ) AS hi1,
  MIN(
    CASE
      WHEN ABS(CAST("TENURE" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("TENURE" AS DOUBLE)
    END
  ) AS mn1,
  MAX(
    CASE
      WHEN ABS(CAST("TENURE" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("TENURE" AS DOUBLE)
    END
  ) AS mx1
FROM (
  SELECT
    "PLAN",
    "SPEND",
    "TENURE",
    "TS"
  FROM "EVENTS" AS "P" TABLESAMPLE SYSTEM (1.0) SEED (0)
  WHERE
    "TS" >= '2026-02-05' AND "TS" < '2026-03-11'
) AS m;

-- scalar scan
SELECT
  DATE_TRUNC('DAY', CAST("TS" AS TIMESTAMPLTZ)) AS __bucket,
  COUNT("SPEND") AS __p0,
  COUNT(CASE WHEN "SPEND" > 100 THEN "SPEND" END) AS __p1,
  COUNT("TENURE") AS __p2,
  COUNT(
    CASE
      WHEN NOT "CHURNED" IS NULL AND "WILL_CHURN" AND "CHURNED"
      THEN "WILL_CHURN"
    END
  ) AS __p3,
  COUNT(
    CASE
      WHEN NOT "CHURNED" IS NULL AND "WILL_CHURN" AND NOT "CHURNED"
      THEN "WILL_CHURN"
    END
  ) AS __p4,
  COUNT(
    CASE
      WHEN NOT "CHURNED" IS NULL AND NOT "WILL_CHURN" AND "CHURNED"
      THEN "WILL_CHURN"
    END
  ) AS __p5,
  COUNT(*) AS __p6,
  COUNT(CASE WHEN ABS(CAST("SPEND" AS DOUBLE)) <= 1.7976931348623157e+308 THEN 1 END) AS __p7,
  COUNT(CASE WHEN ABS(CAST("TENURE" AS DOUBLE)) <= 1.7976931348623157e+308 THEN 1 END) AS __p8,
  MAX(
    CASE WHEN ABS(CAST("SPEND" AS DOUBLE)) <= 1.7976931348623157e+308 THEN "SPEND" END
  ) AS __p9,
  MIN(
    CASE WHEN ABS(CAST("SPEND" AS DOUBLE)) <= 1.7976931348623157e+308 THEN "SPEND" END
  ) AS __p10,
  SUM(
    CAST(CASE WHEN "__TELLTALE_LABEL_ROWS" > 1 THEN "__TELLTALE_LABEL_ROWS" - 1 END AS DOUBLE)
  ) AS __p11,
  SUM(
    CAST(CASE WHEN ABS(CAST("SPEND" AS DOUBLE)) <= 1.7976931348623157e+308 THEN "SPEND" END AS DOUBLE)
  ) AS __p12,
  SUM(
    CASE
      WHEN ABS(CAST("SPEND" AS DOUBLE)) BETWEEN 1.4916681462400413e-154 AND 1.3407807929942596e+154
      THEN CAST("SPEND" AS DOUBLE) * CAST("SPEND" AS DOUBLE)
    END
  ) AS __p13
FROM (
  SELECT
    "P"."SPEND" AS "SPEND",
    "P"."TENURE" AS "TENURE",
    "P"."TS" AS "TS",
    "P"."WILL_CHURN" AS "WILL_CHURN",
    "L"."__TELLTALE_LABEL_ROWS" AS "__TELLTALE_LABEL_ROWS",
    "L"."CHURNED" AS "CHURNED"
  FROM "EVENTS" AS "P"
  LEFT JOIN (
    SELECT
      "EVENT_ID",
      "CHURNED",
      ROW_NUMBER() OVER (
        PARTITION BY "EVENT_ID"
        ORDER BY "LABELED_AT" DESC NULLS LAST, "CHURNED" DESC NULLS LAST
      ) AS "__TELLTALE_LABEL_RANK",
      COUNT(*) OVER (PARTITION BY "EVENT_ID") AS "__TELLTALE_LABEL_ROWS"
    FROM "LABELS" AS "L0"
    WHERE
      "LABELED_AT" <= '2026-03-13' OR "LABELED_AT" IS NULL
  ) AS "L"
    ON "P"."EVENT_ID" = "L"."EVENT_ID" AND "L"."__TELLTALE_LABEL_RANK" = 1
  WHERE
    "P"."TS" >= '2026-02-05' AND "P"."TS" < '2026-03-13'
) AS m
GROUP BY
  DATE_TRUNC('DAY', CAST("TS" AS TIMESTAMPLTZ));

-- distribution scan
SELECT
  __set,
  __bucket,
  __k0,
  __k1,
  __k2,
  __k3,
  __n,
  __tot
FROM (
  SELECT
    *,
    ROW_NUMBER() OVER (
      PARTITION BY __set, __bucket, CASE WHEN __k3 IS NULL THEN 1 ELSE 0 END
      ORDER BY __n DESC NULLS LAST, __k3
    ) AS __r,
    SUM(__n) OVER (PARTITION BY __set, __bucket, CASE WHEN __k3 IS NULL THEN 1 ELSE 0 END) AS __tot,
    CASE WHEN __set = 3 THEN 10000 END AS __cap
  FROM (
    SELECT
      CASE
        WHEN __g0 = 0
        THEN 0
        WHEN __g1 = 0
        THEN 1
        WHEN __g2 = 0
        THEN 2
        WHEN __g3 = 0
        THEN 3
        ELSE -1
      END AS __set,
      __bucket,
      CASE WHEN __k0 < -1 THEN -1 WHEN __k0 > 256 THEN 256 ELSE __k0 END AS __k0,
      CASE WHEN __k1 < -1 THEN -1 WHEN __k1 > 256 THEN 256 ELSE __k1 END AS __k1,
      __k2 AS __k2,
      __k3 AS __k3,
      SUM(__n) AS __n
    FROM (
      SELECT
        __bucket,
        __k0,
        __k1,
        __k2,
        __k3,
        GROUPING(__k0) AS __g0,
        GROUPING(__k1) AS __g1,
        GROUPING(__k2) AS __g2,
        GROUPING(__k3) AS __g3,
        COUNT(*) AS __n
      FROM (
        SELECT
          DATE_TRUNC('DAY', CAST("TS" AS TIMESTAMPLTZ)) AS __bucket,
          CASE
            WHEN ABS(CAST("SPEND" AS DOUBLE)) <= 1.7976931348623157e+308
            THEN CASE
              WHEN CAST("SPEND" AS DOUBLE) < -1.0
              THEN -1
              WHEN CAST("SPEND" AS DOUBLE) > 2.0
              THEN 256
              ELSE FLOOR((
                CAST("SPEND" AS DOUBLE) - 0.0
              ) * 256.0)
            END
          END AS __k0,
          CASE
            WHEN ABS(CAST("TENURE" AS DOUBLE)) <= 1.7976931348623157e+308
            THEN CASE
              WHEN CAST("TENURE" AS DOUBLE) < -1.0
              THEN -1
              WHEN CAST("TENURE" AS DOUBLE) > 2.0
              THEN 256
              ELSE FLOOR((
                CAST("TENURE" AS DOUBLE) - 0.0
              ) * 256.0)
            END
          END AS __k1,
          "PLAN" AS __k2,
          "PLAN" AS __k3
        FROM (
          SELECT
            "PLAN",
            "SPEND",
            "TENURE",
            "TS"
          FROM "EVENTS" AS "P"
          WHERE
            "TS" >= '2026-02-05' AND "TS" < '2026-03-13'
        ) AS m
      ) AS s
      GROUP BY
        GROUPING SETS (
          (__bucket, __k0),
          (__bucket, __k1),
          (__bucket, __k2),
          (__bucket, __k3)
        )
    ) AS gs
    GROUP BY
      CASE
        WHEN __g0 = 0
        THEN 0
        WHEN __g1 = 0
        THEN 1
        WHEN __g2 = 0
        THEN 2
        WHEN __g3 = 0
        THEN 3
        ELSE -1
      END,
      __bucket,
      CASE WHEN __k0 < -1 THEN -1 WHEN __k0 > 256 THEN 256 ELSE __k0 END,
      CASE WHEN __k1 < -1 THEN -1 WHEN __k1 > 256 THEN 256 ELSE __k1 END,
      __k2,
      __k3
  ) AS c
) AS r
WHERE
  __cap IS NULL OR (
    __r <= __cap AND NOT __k3 IS NULL
  );
