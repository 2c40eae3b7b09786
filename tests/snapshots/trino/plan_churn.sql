-- staleness
SELECT
  MAX("ts") AS newest
FROM (
  SELECT
    "plan",
    "ts"
  FROM "events" AS "p"
  WHERE
    "ts" >= CAST('2026-03-09 00:00:00' AS TIMESTAMP)
    AND "ts" < CAST('2026-03-13 00:00:00' AS TIMESTAMP)
) AS m;

-- staleness over all time (sent only when no row is in the last 2 x max_age)
SELECT
  MAX("ts") AS newest
FROM (
  SELECT
    "plan",
    "ts"
  FROM "events" AS "p"
  WHERE
    "ts" >= CAST('1970-01-01 00:00:00' AS TIMESTAMP)
    AND "ts" < CAST('2026-03-13 00:00:00' AS TIMESTAMP)
) AS m;

-- grid size (first run only)
SELECT
  COUNT(*) AS __n
FROM (
  SELECT
    "plan",
    "ts"
  FROM "events" AS "p"
  WHERE
    "ts" >= CAST('2026-02-05 00:00:00' AS TIMESTAMP)
    AND "ts" < CAST('2026-03-11 00:00:00' AS TIMESTAMP)
) AS m;

-- grid (first run only: histogram bins from a block sample of the baseline, the percent is sized from the count)
SELECT
  APPROX_PERCENTILE(
    CASE
      WHEN ABS(CAST("spend" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("spend" AS DOUBLE)
    END,
    0.001
  ) AS lo0,
  APPROX_PERCENTILE(
    CASE
      WHEN ABS(CAST("spend" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("spend" AS DOUBLE)
    END,
    0.999
  ) AS hi0,
  MIN(
    CASE
      WHEN ABS(CAST("spend" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("spend" AS DOUBLE)
    END
  ) AS mn0,
  MAX(
    CASE
      WHEN ABS(CAST("spend" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("spend" AS DOUBLE)
    END
  ) AS mx0,
  APPROX_PERCENTILE(
    CASE
      WHEN ABS(CAST("tenure" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("tenure" AS DOUBLE)
    END,
    0.001
  ) AS lo1,
  APPROX_PERCENTILE(
    CASE
      WHEN ABS(CAST("tenure" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("tenure" AS DOUBLE)
    END,
    0.999
  ) AS hi1,
  MIN(
    CASE
      WHEN ABS(CAST("tenure" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("tenure" AS DOUBLE)
    END
  ) AS mn1,
  MAX(
    CASE
      WHEN ABS(CAST("tenure" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("tenure" AS DOUBLE)
    END
  ) AS mx1
FROM (
  SELECT
    "plan",
    "spend",
    "tenure",
    "ts"
  FROM "events" AS "p" TABLESAMPLE SYSTEM (1.0)
  WHERE
    "ts" >= CAST('2026-02-05 00:00:00' AS TIMESTAMP)
    AND "ts" < CAST('2026-03-11 00:00:00' AS TIMESTAMP)
) AS m;

-- scalar scan
SELECT
  DATE_TRUNC('DAY', "ts") AS __bucket,
  COUNT("spend") AS __p0,
  COUNT(CASE WHEN "spend" > 100 THEN "spend" END) AS __p1,
  COUNT("tenure") AS __p2,
  COUNT(
    CASE
      WHEN NOT "churned" IS NULL AND "will_churn" AND "churned"
      THEN "will_churn"
    END
  ) AS __p3,
  COUNT(
    CASE
      WHEN NOT "churned" IS NULL AND "will_churn" AND NOT "churned"
      THEN "will_churn"
    END
  ) AS __p4,
  COUNT(
    CASE
      WHEN NOT "churned" IS NULL AND NOT "will_churn" AND "churned"
      THEN "will_churn"
    END
  ) AS __p5,
  COUNT(*) AS __p6,
  COUNT(CASE WHEN ABS(CAST("spend" AS DOUBLE)) <= 1.7976931348623157e+308 THEN 1 END) AS __p7,
  COUNT(CASE WHEN ABS(CAST("tenure" AS DOUBLE)) <= 1.7976931348623157e+308 THEN 1 END) AS __p8,
  MAX(
    CASE WHEN ABS(CAST("spend" AS DOUBLE)) <= 1.7976931348623157e+308 THEN "spend" END
  ) AS __p9,
  MIN(
    CASE WHEN ABS(CAST("spend" AS DOUBLE)) <= 1.7976931348623157e+308 THEN "spend" END
  ) AS __p10,
  SUM(
    CAST(CASE WHEN "__telltale_label_rows" > 1 THEN "__telltale_label_rows" - 1 END AS DOUBLE)
  ) AS __p11,
  SUM(
    CAST(CASE WHEN ABS(CAST("spend" AS DOUBLE)) <= 1.7976931348623157e+308 THEN "spend" END AS DOUBLE)
  ) AS __p12,
  SUM(
    CASE
      WHEN ABS(CAST("spend" AS DOUBLE)) BETWEEN 1.4916681462400413e-154 AND 1.3407807929942596e+154
      THEN CAST("spend" AS DOUBLE) * CAST("spend" AS DOUBLE)
    END
  ) AS __p13
FROM (
  SELECT
    "p"."spend" AS "spend",
    "p"."tenure" AS "tenure",
    "p"."ts" AS "ts",
    "p"."will_churn" AS "will_churn",
    "l"."__telltale_label_rows" AS "__telltale_label_rows",
    "l"."churned" AS "churned"
  FROM "events" AS "p"
  LEFT JOIN (
    SELECT
      "event_id",
      "churned",
      ROW_NUMBER() OVER (PARTITION BY "event_id" ORDER BY "labeled_at" DESC, "churned" DESC) AS "__telltale_label_rank",
      COUNT(*) OVER (PARTITION BY "event_id") AS "__telltale_label_rows"
    FROM "labels" AS "l0"
    WHERE
      "labeled_at" <= CAST('2026-03-13 00:00:00' AS TIMESTAMP) OR "labeled_at" IS NULL
  ) AS "l"
    ON "p"."event_id" = "l"."event_id" AND "l"."__telltale_label_rank" = 1
  WHERE
    "p"."ts" >= CAST('2026-02-05 00:00:00' AS TIMESTAMP)
    AND "p"."ts" < CAST('2026-03-13 00:00:00' AS TIMESTAMP)
) AS m
GROUP BY
  DATE_TRUNC('DAY', "ts");

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
      ORDER BY __n DESC, __k3
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
          DATE_TRUNC('DAY', "ts") AS __bucket,
          CASE
            WHEN ABS(CAST("spend" AS DOUBLE)) <= 1.7976931348623157e+308
            THEN CASE
              WHEN CAST("spend" AS DOUBLE) < -1.0
              THEN -1
              WHEN CAST("spend" AS DOUBLE) > 2.0
              THEN 256
              ELSE FLOOR((
                CAST("spend" AS DOUBLE) - 0.0
              ) * 256.0)
            END
          END AS __k0,
          CASE
            WHEN ABS(CAST("tenure" AS DOUBLE)) <= 1.7976931348623157e+308
            THEN CASE
              WHEN CAST("tenure" AS DOUBLE) < -1.0
              THEN -1
              WHEN CAST("tenure" AS DOUBLE) > 2.0
              THEN 256
              ELSE FLOOR((
                CAST("tenure" AS DOUBLE) - 0.0
              ) * 256.0)
            END
          END AS __k1,
          "plan" AS __k2,
          "plan" AS __k3
        FROM (
          SELECT
            "plan",
            "spend",
            "tenure",
            "ts"
          FROM "events" AS "p"
          WHERE
            "ts" >= CAST('2026-02-05 00:00:00' AS TIMESTAMP)
            AND "ts" < CAST('2026-03-13 00:00:00' AS TIMESTAMP)
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
