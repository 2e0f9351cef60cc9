/* notamodule.c: a shared object without the writ_module symbol. */
int notamodule_answer(void);

int notamodule_answer(void)
{
	return 42;
}
