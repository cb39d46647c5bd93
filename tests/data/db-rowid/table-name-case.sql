-- tables named in another case (SQLite's names are not case-sensitive), and
-- a view of one row, read in its own order
CREATE TABLE Payees(id, role);
INSERT INTO Payees VALUES ('A', 'AE');
CREATE VIEW DEALS AS SELECT 'D1' AS id, 'A' AS owner, '2026-01-05' AS closed, '100' AS amount;
