"""Full-screen terminal front ends (Textual), imported only when used."""
