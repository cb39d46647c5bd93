-- rowids no line number can be (negative, 0, above 2^32 - 1): named by position
CREATE TABLE payees(id, role);
INSERT INTO payees VALUES ('A', 'AE');
CREATE TABLE deals(id, owner, closed, amount);
INSERT INTO deals(rowid, id, owner, closed, amount) VALUES (-5, 'D1', 'A', '2026-01-05', 'x'),
  (0, 'D2', 'A', '2026-01-05', 'y'), (3, 'D3', 'A', '2026-01-05', 'z'),
  (4294967296, 'D4', 'Q', '2026-01-05', '1');
