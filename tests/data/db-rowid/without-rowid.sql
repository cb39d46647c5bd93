-- a WITHOUT ROWID table, read in its key's order
CREATE TABLE payees(id, role);
INSERT INTO payees VALUES ('A', 'AE');
CREATE TABLE deals(id PRIMARY KEY, owner, closed, amount) WITHOUT ROWID;
INSERT INTO deals VALUES ('D2', 'A', '2026-02-30', '100'), ('D1', 'A', '2026-01-05', '100');
