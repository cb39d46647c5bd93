-- payees a view, deals WITHOUT ROWID with money as INTEGER, REAL and TEXT:
-- the payouts as from CSV files
CREATE TABLE staff(id, role);
INSERT INTO staff VALUES ('A', 'AE'), ('B', 'AE');
CREATE VIEW payees AS SELECT * FROM staff;
CREATE TABLE deals(id PRIMARY KEY, owner, closed, amount) WITHOUT ROWID;
INSERT INTO deals VALUES ('D1', 'A', '2026-01-05', 1000), ('D2', 'B', '2026-05-05', '250.50'),
  ('D3', 'A', '2026-02-01', 99.5);
