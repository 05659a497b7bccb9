"""Identity resolution: person-records of every source system → stable customer ids."""
