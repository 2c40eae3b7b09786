SELECT
  CASE WHEN "defaulted" THEN FLOOR((
    "score" - 0.0
  ) * 0.00256) END AS k0,
  COUNT(*) AS n
FROM "predictions"
GROUP BY
  k0;

SELECT
  CASE WHEN NOT "defaulted" THEN FLOOR((
    "score" - 0.0
  ) * 0.00256) END AS k0,
  COUNT(*) AS n
FROM "predictions"
GROUP BY
  k0;

SELECT
  FLOOR((
    "income" - 0.0
  ) * 0.00256) AS k0,
  COUNT(*) AS n
FROM "predictions"
GROUP BY
  k0;

SELECT
  CASE WHEN "has_car" THEN "region" END AS k0,
  COUNT(*) AS n
FROM "predictions"
GROUP BY
  k0;

SELECT
  "mc_pred" AS k0,
  "mc_actual" AS k1,
  COUNT(*) AS n
FROM "predictions"
GROUP BY
  k0,
  k1;
