"""The finance back office: every admin page (ModelAdmins, actions, the run, transition and
statement pages). It calls the services and selectors of the domain apps; none of them imports it."""
