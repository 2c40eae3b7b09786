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
  QUANTILE_CONT(
    CASE
      WHEN ABS(CAST("spend" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("spend" AS DOUBLE)
    END,
    0.001
  ) AS lo0,
  QUANTILE_CONT(
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
  QUANTILE_CONT(
    CASE
      WHEN ABS(CAST("tenure" AS DOUBLE)) <= 1.7976931348623157e+308
      THEN CAST("tenure" AS DOUBLE)
    END,
    0.001
  ) AS lo1,
  QUANTILE_CONT(
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
  FROM "events" AS "p"
  WHERE
    "p"."rowid" // 2048 % 100 = 0
    AND (
      "ts" >= CAST('2026-02-05 00:00:00' AS TIMESTAMP)
      AND "ts" < CAST('2026-03-11 00:00:00' AS TIMESTAMP)
    )
) AS m;

-- fused scan
SELECT
  __set,
  __bucket,
  __kh,
  __k0,
  __k1,
  __n,
  __p0,
  __p1,
  __p2,
  __p3,
  __p4,
  __p5,
  __p6,
  __p7,
  __p8,
  __p9,
  __p10,
  __p11,
  __p12,
  __p13,
  __tot
FROM (
  SELECT
    *,
    ROW_NUMBER() OVER (
      PARTITION BY __set, __bucket, CASE WHEN __k1 IS NULL THEN 1 ELSE 0 END
      ORDER BY __n DESC, __k1
    ) AS __r,
    SUM(__n) OVER (PARTITION BY __set, __bucket, CASE WHEN __k1 IS NULL THEN 1 ELSE 0 END) AS __tot,
    CASE WHEN __set = 3 THEN 10000 END AS __cap
  FROM (
    SELECT
      *
    FROM (
      SELECT
        -1 AS __set,
        CAST("ts" AS DATE) AS __bucket,
        NULL AS __kh,
        NULL AS __k0,
        NULL AS __k1,
        COUNT(*) AS __n,
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
        CAST("ts" AS DATE)
      UNION ALL
      SELECT
        __set,
        __bucket,
        CASE WHEN __kh < -1 THEN -1 WHEN __kh > 256 THEN 256 ELSE __kh END AS __kh,
        NULL AS __k0,
        NULL AS __k1,
        SUM(__n) AS __n,
        NULL AS __p0,
        NULL AS __p1,
        NULL AS __p2,
        NULL AS __p3,
        NULL AS __p4,
        NULL AS __p5,
        NULL AS __p6,
        NULL AS __p7,
        NULL AS __p8,
        NULL AS __p9,
        NULL AS __p10,
        NULL AS __p11,
        NULL AS __p12,
        NULL AS __p13
      FROM (
        SELECT
          0 AS __set,
          CAST("ts" AS DATE) AS __bucket,
          FLOOR((
            CAST("spend" AS DOUBLE) - 0.0
          ) * 256.0) AS __kh,
          COUNT(*) AS __n
        FROM (
          SELECT
            "spend",
            "ts"
          FROM "events" AS "p"
          WHERE
            "ts" >= CAST('2026-02-05 00:00:00' AS TIMESTAMP)
            AND "ts" < CAST('2026-03-13 00:00:00' AS TIMESTAMP)
        ) AS m
        WHERE
          ABS(CAST("spend" AS DOUBLE)) <= 1.7976931348623157e+308
        GROUP BY
          CAST("ts" AS DATE),
          FLOOR((
            CAST("spend" AS DOUBLE) - 0.0
          ) * 256.0)
      ) AS b1
      GROUP BY
        __set,
        __bucket,
        CASE WHEN __kh < -1 THEN -1 WHEN __kh > 256 THEN 256 ELSE __kh END
      UNION ALL
      SELECT
        __set,
        __bucket,
        CASE WHEN __kh < -1 THEN -1 WHEN __kh > 256 THEN 256 ELSE __kh END AS __kh,
        NULL AS __k0,
        NULL AS __k1,
        SUM(__n) AS __n,
        NULL AS __p0,
        NULL AS __p1,
        NULL AS __p2,
        NULL AS __p3,
        NULL AS __p4,
        NULL AS __p5,
        NULL AS __p6,
        NULL AS __p7,
        NULL AS __p8,
        NULL AS __p9,
        NULL AS __p10,
        NULL AS __p11,
        NULL AS __p12,
        NULL AS __p13
      FROM (
        SELECT
          1 AS __set,
          CAST("ts" AS DATE) AS __bucket,
          FLOOR((
            CAST("tenure" AS DOUBLE) - 0.0
          ) * 256.0) AS __kh,
          COUNT(*) AS __n
        FROM (
          SELECT
            "tenure",
            "ts"
          FROM "events" AS "p"
          WHERE
            "ts" >= CAST('2026-02-05 00:00:00' AS TIMESTAMP)
            AND "ts" < CAST('2026-03-13 00:00:00' AS TIMESTAMP)
        ) AS m
        WHERE
          ABS(CAST("tenure" AS DOUBLE)) <= 1.7976931348623157e+308
        GROUP BY
          CAST("ts" AS DATE),
          FLOOR((
            CAST("tenure" AS DOUBLE) - 0.0
          ) * 256.0)
      ) AS b2
      GROUP BY
        __set,
        __bucket,
        CASE WHEN __kh < -1 THEN -1 WHEN __kh > 256 THEN 256 ELSE __kh END
      UNION ALL
      SELECT
        __set,
        __bucket,
        NULL AS __kh,
        __k0 AS __k0,
        NULL AS __k1,
        SUM(__n) AS __n,
        NULL AS __p0,
        NULL AS __p1,
        NULL AS __p2,
        NULL AS __p3,
        NULL AS __p4,
        NULL AS __p5,
        NULL AS __p6,
        NULL AS __p7,
        NULL AS __p8,
        NULL AS __p9,
        NULL AS __p10,
        NULL AS __p11,
        NULL AS __p12,
        NULL AS __p13
      FROM (
        SELECT
          2 AS __set,
          CAST("ts" AS DATE) AS __bucket,
          "plan" AS __k0,
          COUNT(*) AS __n
        FROM (
          SELECT
            "plan",
            "ts"
          FROM "events" AS "p"
          WHERE
            "ts" >= CAST('2026-02-05 00:00:00' AS TIMESTAMP)
            AND "ts" < CAST('2026-03-13 00:00:00' AS TIMESTAMP)
        ) AS m
        WHERE
          NOT "plan" IS NULL
        GROUP BY
          CAST("ts" AS DATE),
          "plan"
      ) AS b3
      GROUP BY
        __set,
        __bucket,
        __k0
      UNION ALL
      SELECT
        __set,
        __bucket,
        NULL AS __kh,
        NULL AS __k0,
        __k1 AS __k1,
        SUM(__n) AS __n,
        NULL AS __p0,
        NULL AS __p1,
        NULL AS __p2,
        NULL AS __p3,
        NULL AS __p4,
        NULL AS __p5,
        NULL AS __p6,
        NULL AS __p7,
        NULL AS __p8,
        NULL AS __p9,
        NULL AS __p10,
        NULL AS __p11,
        NULL AS __p12,
        NULL AS __p13
      FROM (
        SELECT
          3 AS __set,
          CAST("ts" AS DATE) AS __bucket,
          "plan" AS __k1,
          COUNT(*) AS __n
        FROM (
          SELECT
            "plan",
            "ts"
          FROM "events" AS "p"
          WHERE
            "ts" >= CAST('2026-02-05 00:00:00' AS TIMESTAMP)
            AND "ts" < CAST('2026-03-13 00:00:00' AS TIMESTAMP)
        ) AS m
        WHERE
          NOT "plan" IS NULL
        GROUP BY
          CAST("ts" AS DATE),
          "plan"
      ) AS b4
      GROUP BY
        __set,
        __bucket,
        __k1
    ) AS u
  ) AS c
) AS r
WHERE
  __cap IS NULL OR (
    __r <= __cap AND NOT __k1 IS NULL
  );
