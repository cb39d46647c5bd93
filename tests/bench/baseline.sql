-- baseline.sql: examples/bench-reference/plan.tally in SQL, for the sqlite3
-- command-line shell, exact to the cent.  Run it in the ledger's folder:
--
--     cd DATA_DIR && sqlite3 :memory: < tests/bench/baseline.sql > OUT.csv
--
-- It imports payees.csv, deals.csv, splits.csv and fx.csv and prints the
-- payouts in the format of `tally run`; `make bench` checks that the bytes are
-- Tally's.  All arithmetic is on 64-bit integers in fixed decimal units, and
-- each product or quotient is rounded where Tally rounds it (half-even at
-- 1e-9, runtime/decimal.c; half-up to 0.01 for E(P) and draws):
--   amounts 1e-2, fx rates 1e-6, amount * rate 1e-8 (exact), split shares
--   1e-4, amount * rate * share 1e-12 (exact) -> credit 1e-9 (half-even),
--   quotas and tier arithmetic 1e-9 (a tier bound over the quota is money,
--   rounded half-up to cents), SPIF values 1e-4 (250 * share, exact).
-- Half-even n / d for n >= 0 is written
--   n / d + (2 * (n % d) > d OR (2 * (n % d) = d AND (n / d) % 2 = 1))
-- (every rounded quantity in this plan is >= 0).
-- The evaluation model is spelled out in tests/bench/baseline_pandas.py.
.bail on
.import --csv payees.csv payees
.import --csv deals.csv deals
.import --csv splits.csv splits
.import --csv fx.csv fx

-- The integer parses below assume plain decimals with at most 2 (amounts),
-- 4 (shares), 6 (rates) or 9 (quotas) places; anything else stops the run.
CREATE TEMP TABLE checks (what TEXT,
  CONSTRAINT "a ledger value is not a plain decimal this SQL reads exactly" CHECK (what IS NULL));
INSERT INTO checks SELECT 'deals.amount' FROM deals
 WHERE NOT (amount GLOB '[0-9]*' AND NOT amount GLOB '*[^0-9.]*' AND NOT amount GLOB '*.*.*'
            AND (instr(amount, '.') = 0 OR length(amount) - instr(amount, '.') BETWEEN 1 AND 2))
 LIMIT 1;
INSERT INTO checks SELECT 'splits.share' FROM splits
 WHERE NOT (share GLOB '[0-9]*' AND NOT share GLOB '*[^0-9.]*' AND NOT share GLOB '*.*.*'
            AND (instr(share, '.') = 0 OR length(share) - instr(share, '.') BETWEEN 1 AND 4))
 LIMIT 1;
INSERT INTO checks SELECT 'fx.rate' FROM fx
 WHERE NOT (rate GLOB '[0-9]*' AND NOT rate GLOB '*[^0-9.]*' AND NOT rate GLOB '*.*.*'
            AND (instr(rate, '.') = 0 OR length(rate) - instr(rate, '.') BETWEEN 1 AND 6))
 LIMIT 1;
INSERT INTO checks SELECT 'payees.quota' FROM payees
 WHERE role = 'AE' AND NOT (quota GLOB '[0-9]*' AND NOT quota GLOB '*[^0-9.]*'
            AND NOT quota GLOB '*.*.*'
            AND (instr(quota, '.') = 0 OR length(quota) - instr(quota, '.') BETWEEN 1 AND 9))
 LIMIT 1;

-- ---- calendar, eligible payees, quotas, draws ------------------------------
CREATE TEMP TABLE months AS
WITH RECURSIVE m(P) AS (SELECT 0 UNION ALL SELECT P + 1 FROM m WHERE P < 11)
SELECT P, date('2026-01-01', '+' || P || ' months') AS first,
       date('2026-01-01', '+' || (P + 1) || ' months', '-1 day') AS last
FROM m;

CREATE TEMP TABLE elig AS
SELECT id, start,
       CASE WHEN instr(quota, '.') = 0 THEN CAST(quota AS INTEGER) * 1000000000
            ELSE CAST(substr(quota, 1, instr(quota, '.') - 1) AS INTEGER) * 1000000000
                 + CAST(substr(substr(quota, instr(quota, '.') + 1) || '000000000', 1, 9) AS INTEGER)
       END AS quota9,
       CASE WHEN start >= '2026-01-01' THEN 3000 * 1000000000 ELSE 0 END AS draw9
FROM payees WHERE role = 'AE';
CREATE UNIQUE INDEX elig_id ON elig(id);

-- monthly quota = quota / 12 (half-even at 1e-9), prorated by active days
CREATE TEMP TABLE grid AS
SELECT payee, P, days, pdays,
       x / pdays + (2 * (x % pdays) > pdays OR (2 * (x % pdays) = pdays AND (x / pdays) % 2 = 1)) AS q,
       y / pdays + (2 * (y % pdays) > pdays OR (2 * (y % pdays) = pdays AND (y / pdays) % 2 = 1)) AS g9
FROM (
  SELECT payee, P, days, pdays, monthly * days AS x, draw9 * days AS y FROM (
    SELECT e.id AS payee, m.P, e.draw9,
           max(0, CAST(julianday(m.last) - julianday(max(m.first, e.start)) AS INTEGER) + 1) AS days,
           CAST(julianday(m.last) - julianday(m.first) AS INTEGER) + 1 AS pdays,
           e.quota9 / 12 + (2 * (e.quota9 % 12) > 12
                            OR (2 * (e.quota9 % 12) = 12 AND (e.quota9 / 12) % 2 = 1)) AS monthly
    FROM elig e CROSS JOIN months m));

-- ---- deals of the year in USD (1e-8), with the as-of period of removal -------
CREATE TEMP TABLE fxr AS
SELECT currency, "from",
       CASE WHEN instr(rate, '.') = 0 THEN CAST(rate AS INTEGER) * 1000000
            ELSE CAST(substr(rate, 1, instr(rate, '.') - 1) AS INTEGER) * 1000000
                 + CAST(substr(substr(rate, instr(rate, '.') + 1) || '000000', 1, 6) AS INTEGER)
       END AS rate6
FROM fx;
CREATE INDEX fxr_key ON fxr(currency, "from");

CREATE TEMP TABLE d AS
SELECT id, owner, closed, product, k,
       -- cancelled within 90 days (and by year end): out as of max(k, cancel month)
       CASE WHEN cancelled <> '' AND julianday(cancelled) - julianday(closed) <= 90
                 AND cancelled <= '2026-12-31'
            THEN max(k, CASE WHEN cancelled >= '2026-01-01'
                             THEN CAST(substr(cancelled, 6, 2) AS INTEGER) - 1 ELSE -1 END)
            ELSE 12 END AS r,
       cents * CASE WHEN currency IN ('', 'USD') THEN 1000000
                    ELSE (SELECT rate6 FROM fxr WHERE fxr.currency = x.currency
                            AND fxr."from" <= x.closed ORDER BY fxr."from" DESC LIMIT 1) END AS plan8
FROM (
  SELECT id, owner, closed, product, currency, cancelled,
         CAST(substr(closed, 6, 2) AS INTEGER) - 1 AS k,
         CASE WHEN instr(amount, '.') = 0 THEN CAST(amount AS INTEGER) * 100
              ELSE CAST(substr(amount, 1, instr(amount, '.') - 1) AS INTEGER) * 100
                   + CAST(substr(substr(amount, instr(amount, '.') + 1) || '00', 1, 2) AS INTEGER)
         END AS cents
  FROM deals WHERE closed BETWEEN '2026-01-01' AND '2026-12-31') AS x;
INSERT INTO checks SELECT 'no fx rate for deal ' || id FROM d WHERE plan8 IS NULL LIMIT 1;

-- ---- credit lines: a deal's split rows, else its owner at 100% --------------
CREATE TEMP TABLE sp AS
SELECT deal, payee,
       CASE WHEN instr(share, '.') = 0 THEN CAST(share AS INTEGER) * 10000
            ELSE CAST(substr(share, 1, instr(share, '.') - 1) AS INTEGER) * 10000
                 + CAST(substr(substr(share, instr(share, '.') + 1) || '0000', 1, 4) AS INTEGER)
       END AS share4
FROM splits;
CREATE INDEX sp_deal ON sp(deal);
INSERT INTO checks SELECT 'split shares of deal ' || deal || ' do not sum to 1' FROM sp
 GROUP BY deal HAVING sum(share4) <> 10000 LIMIT 1;

CREATE TEMP TABLE lines AS
SELECT payee, k, r,
       x / 1000 + (2 * (x % 1000) > 1000 OR (2 * (x % 1000) = 1000 AND (x / 1000) % 2 = 1)) AS credit,
       CASE WHEN widget THEN 250 * share4 ELSE 0 END AS spif
FROM (
  SELECT coalesce(sp.payee, d.owner) AS payee, d.k, d.r,
         d.plan8 * coalesce(sp.share4, 10000) AS x, coalesce(sp.share4, 10000) AS share4,
         d.product = 'Widget' AND d.closed BETWEEN '2026-04-01' AND '2026-09-30' AS widget
  FROM d LEFT JOIN sp ON sp.deal = d.id)
WHERE payee IN (SELECT id FROM elig);

-- ---- commission: marginal tiers on ytd bookings as of P over ytd quota -------
-- bookings as of P = credits closed by P less credits removed by P
CREATE TEMP TABLE moves AS
SELECT payee, P, sum(v) AS v FROM (
  SELECT payee, k AS P, credit AS v FROM lines
  UNION ALL
  SELECT payee, r AS P, -credit AS v FROM lines WHERE r < 12)
GROUP BY payee, P;

CREATE TEMP TABLE ytd AS
SELECT g.payee, g.P,
       sum(coalesce(mv.v, 0)) OVER w AS X,
       sum(g.q) OVER w AS Q
FROM grid g LEFT JOIN moves mv ON mv.payee = g.payee AND mv.P = g.P
WINDOW w AS (PARTITION BY g.payee ORDER BY g.P);

CREATE TEMP TABLE comm AS
SELECT payee, P, (acc + 5000000) / 10000000 AS E FROM (
  SELECT payee, P,
    CASE WHEN X > 0 THEN (min(X, b1) * 6) / 100
         + (2 * ((min(X, b1) * 6) % 100) > 100
            OR (2 * ((min(X, b1) * 6) % 100) = 100 AND ((min(X, b1) * 6) / 100) % 2 = 1))
         ELSE 0 END
  + CASE WHEN X > b1 THEN ((min(X, b2) - b1) * 8) / 100
         + (2 * (((min(X, b2) - b1) * 8) % 100) > 100
            OR (2 * (((min(X, b2) - b1) * 8) % 100) = 100 AND (((min(X, b2) - b1) * 8) / 100) % 2 = 1))
         ELSE 0 END
  + CASE WHEN X > b2 THEN ((min(X, b3) - b2) * 12) / 100
         + (2 * (((min(X, b3) - b2) * 12) % 100) > 100
            OR (2 * (((min(X, b3) - b2) * 12) % 100) = 100 AND (((min(X, b3) - b2) * 12) / 100) % 2 = 1))
         ELSE 0 END
  + CASE WHEN X > b3 THEN ((X - b3) * 15) / 100
         + (2 * (((X - b3) * 15) % 100) > 100
            OR (2 * (((X - b3) * 15) % 100) = 100 AND (((X - b3) * 15) / 100) % 2 = 1))
         ELSE 0 END AS acc
  FROM (
    -- a bound over the quota is money: fraction * Q (half-even at 1e-9), then
    -- rounded half-up to cents like all money in this plan
    SELECT payee, P, X,
      ((Q * 50) / 100 + (2 * ((Q * 50) % 100) > 100 OR (2 * ((Q * 50) % 100) = 100 AND ((Q * 50) / 100) % 2 = 1))
       + 5000000) / 10000000 * 10000000 AS b1,
      (Q + 5000000) / 10000000 * 10000000 AS b2,
      ((Q * 150) / 100 + (2 * ((Q * 150) % 100) > 100 OR (2 * ((Q * 150) % 100) = 100 AND ((Q * 150) / 100) % 2 = 1))
       + 5000000) / 10000000 * 10000000 AS b3
    FROM ytd));

-- ---- SPIF: the value of month k as known at the end of P, rounded to cents,
-- summed over k <= P
CREATE TEMP TABLE spifs AS
SELECT payee, k, r, sum(spif) AS s FROM lines WHERE spif > 0 GROUP BY payee, k, r;
CREATE INDEX spifs_payee ON spifs(payee);

CREATE TEMP TABLE spif AS
SELECT g.payee, g.P, coalesce(sum(v.c), 0) AS E
FROM grid g LEFT JOIN (
  SELECT g2.payee, g2.P, s.k, (sum(s.s) + 50) / 100 AS c
  FROM grid g2 JOIN spifs s ON s.payee = g2.payee AND s.k <= g2.P AND s.r > g2.P
  GROUP BY g2.payee, g2.P, s.k) AS v ON v.payee = g.payee AND v.P = g.P
GROUP BY g.payee, g.P;

-- ---- payables, draws and balances (rule 8) ------------------------------------
CREATE TEMP TABLE pay AS
SELECT g.payee, g.P, g.days,
       (g.g9 + 5000000) / 10000000 AS draw,
       c.E - lag(c.E, 1, 0) OVER w AS commission,
       s.E - lag(s.E, 1, 0) OVER w AS widget_spif
FROM grid g JOIN comm c ON c.payee = g.payee AND c.P = g.P
            JOIN spif s ON s.payee = g.payee AND s.P = g.P
WINDOW w AS (PARTITION BY g.payee ORDER BY g.P);
CREATE UNIQUE INDEX pay_key ON pay(payee, P);

CREATE TEMP TABLE result AS
WITH RECURSIVE run(payee, P, left, earned, net, bal) AS (
  SELECT id, -1, 3, 0, 0, 0 FROM elig
  UNION ALL
  -- g: the draw in this period; owed: earned less the balance carried in
  SELECT r.payee, r.P + 1,
         r.left - (r.left > 0 AND p.days > 0),
         p.commission + p.widget_spif,
         max(CASE WHEN r.left > 0 AND p.days > 0 THEN p.draw ELSE 0 END,
             p.commission + p.widget_spif - r.bal),
         max(CASE WHEN r.left > 0 AND p.days > 0 THEN p.draw ELSE 0 END,
             p.commission + p.widget_spif - r.bal) - (p.commission + p.widget_spif - r.bal)
  FROM run r JOIN pay p ON p.payee = r.payee AND p.P = r.P + 1)
SELECT r.payee, r.P, p.commission, p.widget_spif, r.earned, r.net, r.bal
FROM run r JOIN pay p ON p.payee = r.payee AND p.P = r.P
WHERE r.P >= 0;

-- ---- output: tally's CSV ----------------------------------------------------------
.headers off
.mode list
SELECT 'payee,period,line,amount';
SELECT payee || ',' || printf('2026-%02d', P + 1) || ',' || line || ','
       || CASE WHEN a < 0 THEN '-' ELSE '' END || (abs(a) / 100) || '.' || printf('%02d', abs(a) % 100)
FROM (
  SELECT payee, P, 0 AS o, 'commission' AS line, commission AS a FROM result
  UNION ALL SELECT payee, P, 1, 'widget_spif', widget_spif FROM result
  UNION ALL SELECT payee, P, 2, 'earned', earned FROM result
  UNION ALL SELECT payee, P, 3, 'net', net FROM result
  UNION ALL SELECT payee, P, 4, 'balance', bal FROM result)
ORDER BY payee, P, o;
