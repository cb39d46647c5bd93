-- deals has a column called rowid: the real rowid is read as _rowid_
CREATE TABLE payees(id, role);
INSERT INTO payees VALUES ('A', 'AE');
CREATE TABLE deals(id, owner, closed, amount, rowid);
INSERT INTO deals(_rowid_, id, owner, closed, amount, rowid) VALUES (7, 'D1', 'A', '2026-01-05', '100', 'x');
INSERT INTO deals(_rowid_, id, owner, closed, amount, rowid) VALUES (9, 'D2', 'A', '2026-13-01', '100', '-3');
